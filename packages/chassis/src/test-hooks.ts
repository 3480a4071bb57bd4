import { Type } from 'typebox';
import { AppError } from './errors.js';
import { OPERATORS, requireService, type ServiceIdentity } from './identity/identity.js';
import type { App } from './server.js';

/**
 * Crash and fault points: named places in a service's code where a test can make the process die
 * (SIGKILL, as a power cut would) or a step fail, to prove what happens after. They are inert unless
 * the process runs with `MICROSHOP_TEST_HOOKS=1` (`TestHooksConfig`), and then armed one at a time
 * over `POST /internal/test/…` (service credential): the restarted process starts unarmed.
 *
 * A crash point is armed for its next hit only; a fault point stays armed until disarmed.
 */
const crashes = new Map<string, number>();
const faults = new Map<string, { status: number; remaining: number }>();
const known = new Set<string>();

/** Declares the points a module has, so the hook endpoint can refuse names that do not exist. */
export function declareTestPoints(...names: string[]): void {
  for (const name of names) known.add(name);
}

/**
 * Kills this process on the spot (SIGKILL: no cleanup, no reply) when `name` is armed. The kill is
 * synchronous: no later line of the caller runs, no pending write completes.
 */
export function crashPoint(name: string): void {
  const skip = crashes.get(name);
  if (skip === undefined) return;
  if (skip > 0) {
    crashes.set(name, skip - 1);
    return;
  }
  crashes.delete(name);
  process.stderr.write(`crash point ${name} reached: killing process ${process.pid}\n`);
  process.kill(process.pid, 'SIGKILL');
}

/** Throws a 5xx `AppError` when `name` is armed as a fault (for the number of hits it was armed for). */
export function faultPoint(name: string): void {
  const fault = faults.get(name);
  if (!fault) return;
  if (fault.remaining !== Infinity && --fault.remaining <= 0) faults.delete(name);
  throw new AppError({ status: fault.status, code: 'test-fault', title: 'Injected fault', detail: `fault point ${name} is armed` });
}

/** Disarms every point (for tests that run several apps in one process). */
export function resetTestPoints(): void {
  crashes.clear();
  faults.clear();
}

const PointBody = Type.Object(
  {
    point: Type.String({ minLength: 1, maxLength: 100 }),
    /** Crash: hits to let pass first (default 0: the next one). */
    skip: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    /** Fault: the status thrown (default 500). */
    status: Type.Optional(Type.Integer({ minimum: 500, maximum: 599 })),
    /** Fault: how many hits fail (default: every one until disarmed). */
    times: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

/**
 * `POST /internal/test/crash` `{ point, skip? }`, `POST /internal/test/fault` `{ point, status?, times? }`,
 * `DELETE /internal/test/fault` (all), `GET /internal/test/points`. Registered only when `enabled`
 * (the config's `MICROSHOP_TEST_HOOKS`); a name not declared is 422.
 */
export function registerTestHooks(app: App, { identity, enabled }: { identity: ServiceIdentity; enabled: boolean }): void {
  if (!enabled) return;
  const onRequest = requireService(identity, { from: OPERATORS });
  const check = (point: string) => {
    if (!known.has(point)) throw AppError.unprocessable('point', `no test point named ${point} (known: ${[...known].sort().join(', ')})`);
  };
  app.get('/internal/test/points', { onRequest, schema: { hide: true } }, async () => ({
    points: [...known].sort(),
    crashes: Object.fromEntries(crashes),
    faults: Object.fromEntries([...faults].map(([k, v]) => [k, { status: v.status, remaining: v.remaining === Infinity ? null : v.remaining }])),
  }));
  app.post('/internal/test/crash', { onRequest, schema: { hide: true, body: PointBody } }, async (request) => {
    check(request.body.point);
    crashes.set(request.body.point, request.body.skip ?? 0);
    return { armed: request.body.point };
  });
  app.post('/internal/test/fault', { onRequest, schema: { hide: true, body: PointBody } }, async (request) => {
    check(request.body.point);
    faults.set(request.body.point, { status: request.body.status ?? 500, remaining: request.body.times ?? Infinity });
    return { armed: request.body.point };
  });
  app.delete('/internal/test/fault', { onRequest, schema: { hide: true } }, async () => {
    faults.clear();
    return { disarmed: true };
  });
}
