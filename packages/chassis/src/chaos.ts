import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosState, DEFAULT_CHAOS_EXPIRY_S, SetChaos, type ChaosState as ChaosStateType, type SetChaos as SetChaosType } from '@microshop/contracts';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';
import type { App } from './server.js';
import { OPERATORS, requireService, type ServiceIdentity } from './identity/identity.js';

/** The faults one service applies to itself, and when they lift. */
export interface Chaos {
  /** Replaces the active faults; they lift after `expires_in_s` (default 60 s). */
  set(input: SetChaosType): ChaosStateType;
  /** Lifts every fault now. */
  clear(): ChaosStateType;
  /** The faults active now (expired ones are already gone). */
  state(): ChaosStateType;
  /**
   * Applies the active faults to one request: waits, fails, or hangs until the faults lift.
   * Undefined when no fault is active, so that the usual request pays for no promise.
   */
  apply(request: FastifyRequest): Promise<void> | undefined;
}

export interface ChaosOptions {
  service: string;
  log?: FastifyBaseLogger;
  /** Epoch milliseconds. */
  now?: () => number;
  /** Uniform in [0, 1). */
  random?: () => number;
}

interface Faults {
  latency_ms: number;
  jitter_ms: number;
  error_rate: number;
  hang: boolean;
  expiresAt: number;
}

const NONE: Omit<ChaosStateType, 'active'> = { latency_ms: 0, jitter_ms: 0, error_rate: 0, hang: false, expires_at: null, expires_in_s: 0 };

/**
 * Creates a service's fault injector: latency (fixed plus jitter), an error rate, a hang, each
 * lifting by itself. Faults live in memory only, so a restart clears them.
 *
 * @example
 * const chaos = createChaos({ service: 'product-service' })
 * chaos.set({ latency_ms: 500, expires_in_s: 30 })
 */
export function createChaos({ service, log, now = Date.now, random = Math.random }: ChaosOptions): Chaos {
  let faults: Faults | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  let released = new AbortController();

  const lift = (reason: string): void => {
    if (!faults) return;
    faults = undefined;
    clearTimeout(expiryTimer);
    expiryTimer = undefined;
    released.abort();
    released = new AbortController();
    log?.warn({ chaos: 'cleared', reason }, `chaos: faults lifted (${reason})`);
  };

  const current = (): Faults | undefined => {
    if (faults && now() >= faults.expiresAt) lift('expired');
    return faults;
  };

  const state = (): ChaosStateType => {
    const f = current();
    if (!f) return { active: false, ...NONE };
    return {
      active: true,
      latency_ms: f.latency_ms,
      jitter_ms: f.jitter_ms,
      error_rate: f.error_rate,
      hang: f.hang,
      expires_at: new Date(f.expiresAt).toISOString(),
      expires_in_s: Math.max(0, Math.round((f.expiresAt - now()) / 100) / 10),
    };
  };

  /** What the active faults do to one request. */
  const applyFaults = async (f: Faults, request: FastifyRequest): Promise<void> => {
    const signal = released.signal;
    if (f.hang) {
      // Hold the request until the faults lift or the caller gives up.
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        request.raw.once('close', () => resolve());
      });
      return;
    }
    const delay = f.latency_ms + Math.round(random() * f.jitter_ms);
    if (delay > 0) await sleep(delay, undefined, { signal }).catch(() => undefined);
    if (f.error_rate > 0 && random() < f.error_rate) {
      const unavailable = random() < 0.5;
      throw new AppError({
        status: unavailable ? 503 : 500,
        code: 'injected-fault',
        title: unavailable ? 'Service unavailable (injected fault)' : 'Internal error (injected fault)',
        detail: `${service} failed this request on purpose: a fault was injected through /internal/chaos`,
        service,
      });
    }
  };

  return {
    set(input) {
      const next = {
        latency_ms: input.latency_ms ?? 0,
        jitter_ms: input.jitter_ms ?? 0,
        error_rate: input.error_rate ?? 0,
        hang: input.hang ?? false,
      };
      if (next.latency_ms === 0 && next.jitter_ms === 0 && next.error_rate === 0 && !next.hang) {
        lift('set to nothing');
        return state();
      }
      const expiresInS = input.expires_in_s ?? DEFAULT_CHAOS_EXPIRY_S;
      if (faults) lift('replaced');
      faults = { ...next, expiresAt: now() + expiresInS * 1000 };
      expiryTimer = setTimeout(() => current(), expiresInS * 1000 + 5);
      expiryTimer.unref();
      log?.warn({ chaos: 'set', service, ...next, expires_in_s: expiresInS }, `chaos: faults injected for ${expiresInS} s`);
      return state();
    },
    clear() {
      lift('cleared');
      return state();
    },
    state,
    apply(request) {
      const f = current();
      return f ? applyFaults(f, request) : undefined;
    },
  };
}

/** True for the paths faults never touch: health, metrics, internal operations, API docs. */
export function exemptFromChaos(url: string): boolean {
  const path = url.split('?')[0] ?? url;
  return path === '/health' || path === '/metrics' || path.startsWith('/internal/') || path === '/openapi.json' || path.startsWith('/docs');
}

const chaosByApp = new WeakMap<object, Chaos>();

/** The fault injector registered on `app`, if any (the health route shows its state). */
export function chaosOf(app: object): Chaos | undefined {
  return chaosByApp.get(app);
}

export interface RegisterChaosOptions extends Omit<ChaosOptions, 'log'> {
  /** This service's identity: `/internal/chaos` takes calls from the gateway (the admin API) only. */
  identity: ServiceIdentity;
}

/**
 * `GET/PUT/DELETE /internal/chaos` (service credential) and the hook that applies the active
 * faults to every other route except `/health`, `/metrics` and `/internal/*`.
 */
export function registerChaos(app: App, { identity, ...options }: RegisterChaosOptions): Chaos {
  const chaos = createChaos({ ...options, log: app.log });
  chaosByApp.set(app, chaos);
  app.addHook('onRequest', (request, _reply, done) => {
    const applying = exemptFromChaos(request.url) ? undefined : chaos.apply(request);
    if (applying) applying.then(() => done(), done);
    else done();
  });
  // Hung requests must not hold the server open when it stops.
  app.addHook('preClose', async () => {
    chaos.clear();
  });
  const preHandler = requireService(identity, { from: OPERATORS });
  const tags = ['chaos'];
  const errors = { 400: { $ref: 'Problem#' }, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } } as const;
  app.get('/internal/chaos', { preHandler, schema: { tags, summary: 'The faults active now (internal)', response: { 200: ChaosState, ...errors } } }, async () => chaos.state());
  app.put(
    '/internal/chaos',
    { preHandler, schema: { tags, summary: 'Inject faults into this service until they expire (internal)', body: SetChaos, response: { 200: ChaosState, ...errors } } },
    async (request) => chaos.set(request.body),
  );
  app.delete('/internal/chaos', { preHandler, schema: { tags, summary: 'Lift every fault now (internal)', response: { 200: ChaosState, ...errors } } }, async () => chaos.clear());
  return chaos;
}
