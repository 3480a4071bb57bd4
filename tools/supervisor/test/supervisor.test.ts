import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SupervisedInstance } from '@microshop/contracts';
import { callerIn, testKeys, type TestKeys } from '@microshop/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { createReporter, type OutputOptions, type StreamName } from '../src/output.js';
import { ControlError, createSupervisor, StartupError, type ProcessPlan, type ScalingOptions, type Supervisor, type SupervisorTimings } from '../src/supervisor.js';

const FAKE_SERVICE = fileURLToPath(new URL('./fixtures/fake-service.mjs', import.meta.url));
const REGISTRY_ENTRY = fileURLToPath(new URL('../../../services/registry/dist/main.js', import.meta.url));
const FAST = { startTimeoutMs: 5000, pollIntervalMs: 50, stopTimeoutMs: 1000, recoveryTimeoutMs: 5000 };
const QUICK_BACKOFF = { initialMs: 100, factor: 2, maxMs: 1000, resetAfterMs: 30_000 };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function fake(name: string, env: Record<string, string> = {}, stage = 1): Promise<ProcessPlan> {
  return fakeOn(name, 1, await freePort(), env, stage);
}

function fakeOn(name: string, replica: number, port: number, env: Record<string, string> = {}, stage = 1): ProcessPlan {
  const instanceId = `${name}-${replica}`;
  return {
    name,
    replica,
    instanceId,
    command: process.execPath,
    args: [FAKE_SERVICE],
    env: { PATH: process.env.PATH ?? '', PORT: String(port), FAKE_NAME: name, INSTANCE_ID: instanceId, ...env },
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stage,
    database: null,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

async function healthPid(plan: ProcessPlan): Promise<number | undefined> {
  try {
    const response = await fetch(`${plan.baseUrl}/health`);
    return ((await response.json()) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const supervisors: Supervisor[] = [];
function supervise(plans: ProcessPlan[], backoff = QUICK_BACKOFF, timings: Partial<SupervisorTimings> = FAST, scaling?: ScalingOptions) {
  const lines: { stream: StreamName; line: string }[] = [];
  const output: OutputOptions = { format: 'pretty', colour: false, nameWidth: 12, sink: { write: (stream, line) => lines.push({ stream, line }) } };
  const supervisor = createSupervisor({ plans, scaling, cwd: process.cwd(), output, reporter: createReporter(output, process.pid), backoff, timings });
  supervisors.push(supervisor);
  return { supervisor, lines, text: () => lines.map((l) => l.line).join('\n') };
}

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
});

describe('Supervisor', () => {
  test('When every process answers its health check, then start resolves with their pids and their lines are prefixed with their names', async () => {
    const plans = [await fake('alpha'), await fake('beta')];
    const { supervisor, lines } = supervise(plans);
    const running = await supervisor.start();
    expect(running.map((r) => r.name)).toEqual(['alpha', 'beta']);
    for (const [index, plan] of plans.entries()) expect(await healthPid(plan)).toBe(running[index]?.pid);
    expect(lines).toContainEqual({ stream: 'stdout', line: expect.stringMatching(/^alpha +\| \d\d:\d\d:\d\d INFO {2}alpha ready on \d+$/) as unknown });
  });

  test('When a later stage starts, then every process of the earlier stage is already healthy', async () => {
    const plans = [await fake('slow', { FAKE_DELAY_MS: '400' }), await fake('front', {}, 2)];
    const { supervisor, text } = supervise(plans);
    await supervisor.start();
    const output = text();
    expect(output.indexOf('slow ready')).toBeGreaterThan(-1);
    expect(output.indexOf('slow ready')).toBeLessThan(output.indexOf('front started'));
  });

  test('When a starting process prints a line, then its health is asked again at once, not after the poll interval', async () => {
    const { supervisor } = supervise([await fake('slow', { FAKE_DELAY_MS: '300' })], QUICK_BACKOFF, { ...FAST, pollIntervalMs: 10_000 });
    const began = performance.now();
    await supervisor.start();
    // The first check finds nothing listening; the next comes with its `slow ready on …` line, not 10 s later.
    expect(performance.now() - began).toBeLessThan(5000);
  });

  test('When the registry runs under the supervisor, then start resolves only once each process registering there is passing in it', async () => {
    const keys = testKeys(['alpha']);
    const port = await freePort();
    const registry: ProcessPlan = {
      ...fakeOn('registry', 1, port, {}, 0),
      args: [REGISTRY_ENTRY],
      env: { PATH: process.env.PATH ?? '', PORT: String(port), LOG_LEVEL: 'warn', ...keys.env },
    };
    // It listens at once and registers 500 ms later, as a service whose registration is slow.
    const alpha = await fake('alpha', { REGISTRY_URL: registry.baseUrl, ...keys.env, FAKE_REGISTRY_TOKEN: keys.token('alpha', 'registry'), FAKE_REGISTER_DELAY_MS: '500' });
    const { supervisor } = supervise([registry, alpha], QUICK_BACKOFF, { ...FAST, startTimeoutMs: 15_000 });
    const [, running] = await supervisor.start();
    const response = await fetch(`${registry.baseUrl}/v1/services/alpha/instances?status=all`, { headers: keys.headers('supervisor', 'registry') });
    const { instances } = (await response.json()) as { instances: { instance_id: string; status: string; pid: number | null }[] };
    expect(instances).toEqual([expect.objectContaining({ instance_id: 'alpha-1', status: 'passing', pid: running?.pid })]);
  });

  test('When a child crashes, then it is restarted after the backoff with a new pid, the others keep theirs, and both are reported', async () => {
    const [crashing, steady] = [await fake('crashy'), await fake('steady')];
    const { supervisor, text } = supervise([crashing, steady]);
    const [first, other] = await supervisor.start();
    await fetch(`${crashing.baseUrl}/crash`).catch(() => undefined);
    const restartedPid = await eventually(async () => {
      const pid = await healthPid(crashing);
      return pid !== undefined && pid !== first?.pid ? pid : undefined;
    });
    expect(isAlive(first?.pid ?? 0)).toBe(false);
    expect(await healthPid(steady)).toBe(other?.pid);
    await eventually(() => (text().includes('crashy is healthy again') ? true : undefined));
    expect(text()).toContain(`crashy (pid ${first?.pid}) exited with code 7`);
    expect(text()).toContain('restarting in 100 ms');
    expect(text()).toContain(`crashy restarted as pid ${restartedPid}`);
    expect(supervisor.running().find((r) => r.name === 'crashy')?.pid).toBe(restartedPid);
  });

  test('When a child keeps crashing, then each restart waits twice as long as the one before', async () => {
    const crashing = await fake('crashy');
    const { supervisor, text } = supervise([crashing]);
    await supervisor.start();
    for (const wait of [100, 200, 400]) {
      const before = await eventually(() => healthPid(crashing));
      await fetch(`${crashing.baseUrl}/crash`).catch(() => undefined);
      await eventually(() => (text().includes(`restarting in ${wait} ms`) ? true : undefined));
      await eventually(async () => {
        const pid = await healthPid(crashing);
        return pid !== undefined && pid !== before ? pid : undefined;
      });
    }
  });

  test('When a child exits during start-up, then start fails naming it with its last lines, and nothing is left running', async () => {
    const plans = [await fake('steady'), await fake('broken', { FAKE_MODE: 'exit-at-start' })];
    const { supervisor } = supervise(plans);
    const failure = await supervisor.start().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartupError);
    const { message, processName, recentLines } = failure as StartupError;
    expect(processName).toBe('broken');
    expect(message).toBe('broken exited with code 3 before the system was up.');
    expect(recentLines).toContain('broken       | fake cannot start: FAKE_MODE is exit-at-start');
    const pids = supervisor.running().map((r) => r.pid);
    await supervisor.stop();
    expect(supervisor.running()).toEqual([]);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  test('When a child never becomes healthy, then start fails after the timeout naming it and its last answer', async () => {
    const { supervisor } = supervise([await fake('sick', { FAKE_MODE: 'never-healthy' })], QUICK_BACKOFF, { ...FAST, startTimeoutMs: 800 });
    const failure = (await supervisor.start().catch((error: unknown) => error)) as StartupError;
    expect(failure).toBeInstanceOf(StartupError);
    expect(failure.message).toMatch(/^sick did not become healthy within \d+ s: the last answer was HTTP 503/);
  });

  test('When stop is called, then every child gets SIGTERM and exits, and none is restarted', async () => {
    const plans = [await fake('alpha'), await fake('beta')];
    const { supervisor, text } = supervise(plans);
    const running = await supervisor.start();
    await supervisor.stop();
    for (const { pid } of running) expect(isAlive(pid)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(supervisor.running()).toEqual([]);
    expect(text()).not.toContain('restart');
  });

  test('When a child ignores SIGTERM, then stop kills it after the stop timeout', async () => {
    const { supervisor, text } = supervise([await fake('stubborn', { FAKE_MODE: 'ignore-sigterm' })]);
    const [stubborn] = await supervisor.start();
    const started = Date.now();
    await supervisor.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST.stopTimeoutMs - 50);
    expect(isAlive(stubborn?.pid ?? 0)).toBe(false);
    expect(text()).toContain('ignoring SIGTERM');
    expect(text()).toContain('stubborn did not stop within 1 s: killing');
  });
});

/** Scaling for the fakes: `scalable` may grow, each new replica a fake with `env` on the port the supervisor chose. */
const fakeScaling = (scalable: string[], env: Record<string, string> = {}): ScalingOptions => ({
  services: scalable,
  maxReplicas: 4,
  plan: (service, replica, port) => fakeOn(service, replica, port, env),
});

describe('Supervisor scaling', () => {
  test('When a service is scaled up, then the new replicas start on free ports with their own instance ids, are healthy when scale resolves, and are listed after replica 1', async () => {
    const { supervisor, text } = supervise([await fake('alpha'), await fake('front', {}, 2)], QUICK_BACKOFF, FAST, fakeScaling(['alpha']));
    const [first] = await supervisor.start();
    const answer = await supervisor.scale('alpha', 3);
    expect(answer.service).toBe('alpha');
    expect(answer.replicas).toBe(3);
    expect(answer.instances.map((i) => [i.instance_id, i.replica, i.state])).toEqual([
      ['alpha-1', 1, 'running'],
      ['alpha-2', 2, 'running'],
      ['alpha-3', 3, 'running'],
    ]);
    const ports = answer.instances.map((i) => i.port);
    expect(new Set(ports).size).toBe(3);
    for (const instance of answer.instances) {
      expect(await healthPid({ baseUrl: `http://127.0.0.1:${instance.port}` } as ProcessPlan)).toBe(instance.pid);
    }
    expect(answer.instances[0]?.pid).toBe(first?.pid);
    expect(supervisor.processes().map((p) => p.instance_id)).toEqual(['alpha-1', 'alpha-2', 'alpha-3', 'front-1']);
    expect(supervisor.running().map((r) => r.instanceId)).toEqual(['alpha-1', 'alpha-2', 'alpha-3', 'front-1']);
    expect(text()).toMatch(/alpha-2 started as pid \d+ on port \d+ \(scaling alpha from 1 to 3\)/);
    expect(text()).toMatch(/alpha-3 is healthy \(pid \d+\)/);
    // Their lines carry the instance id.
    expect(text()).toMatch(/^alpha-2 +\| .*alpha ready on/m);
  });

  test('When a service is scaled down, then the highest replica gets SIGTERM, shows draining until it exits, and is then removed, never restarted', async () => {
    const { supervisor, text } = supervise([await fake('alpha')], QUICK_BACKOFF, FAST, fakeScaling(['alpha'], { FAKE_DRAIN_MS: '600' }));
    await supervisor.start();
    const up = await supervisor.scale('alpha', 3);
    const [, second, third] = up.instances;
    const down = await supervisor.scale('alpha', 1);
    expect(down.instances.map((i) => [i.instance_id, i.state])).toEqual([
      ['alpha-1', 'running'],
      ['alpha-2', 'draining'],
      ['alpha-3', 'draining'],
    ]);
    // Still draining: alive, and still answering while it finishes its requests.
    expect(isAlive(third?.pid ?? 0)).toBe(true);
    await eventually(() => (text().includes('alpha-3 got SIGTERM, draining for 600 ms') ? true : undefined));
    await eventually(() => (supervisor.processes().length === 1 ? true : undefined), 5000);
    expect(isAlive(second?.pid ?? 0)).toBe(false);
    expect(isAlive(third?.pid ?? 0)).toBe(false);
    expect(text()).toMatch(/alpha-3 \(pid \d+\) drained: exited with code 0; removed/);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(supervisor.processes().map((p) => p.instance_id)).toEqual(['alpha-1']);
    expect(text()).not.toContain('alpha-3 restarted');
  });

  test('When a draining replica ignores SIGTERM, then it is killed after the stop timeout and removed', async () => {
    const { supervisor, text } = supervise([await fake('alpha')], QUICK_BACKOFF, FAST, fakeScaling(['alpha'], { FAKE_MODE: 'ignore-sigterm' }));
    await supervisor.start();
    const { instances } = await supervisor.scale('alpha', 2);
    await supervisor.scale('alpha', 1);
    await eventually(() => (supervisor.processes().length === 1 ? true : undefined), 4000);
    expect(isAlive(instances[1]?.pid ?? 0)).toBe(false);
    expect(text()).toContain('alpha-2 (pid');
    expect(text()).toContain('did not drain within 1 s: killing');
  });

  test('When one instance is controlled by its id, then only it is affected; a service name means replica 1, and a draining one refuses', async () => {
    const { supervisor } = supervise([await fake('alpha')], QUICK_BACKOFF, FAST, fakeScaling(['alpha'], { FAKE_DRAIN_MS: '800' }));
    await supervisor.start();
    const { instances } = await supervisor.scale('alpha', 2);
    expect(supervisor.control('alpha-2', 'pause', 30)).toMatchObject({ instance_id: 'alpha-2', state: 'paused' });
    expect(supervisor.processes().map((p) => p.state)).toEqual(['running', 'paused']);
    expect(supervisor.control('alpha', 'resume')).toMatchObject({ instance_id: 'alpha-1', state: 'running' });
    expect(supervisor.control('alpha-2', 'resume')).toMatchObject({ instance_id: 'alpha-2', state: 'running' });
    // A killed replica is restarted on its own port, like any crash.
    supervisor.control('alpha-2', 'kill');
    const restarted = await eventually(async () => {
      const pid = await healthPid({ baseUrl: `http://127.0.0.1:${instances[1]?.port}` } as ProcessPlan);
      return pid !== undefined && pid !== instances[1]?.pid ? pid : undefined;
    });
    expect(supervisor.processes()[1]).toMatchObject({ instance_id: 'alpha-2', pid: restarted, state: 'running' });
    await supervisor.scale('alpha', 1);
    expect(() => supervisor.control('alpha-2', 'kill')).toThrow(/draining/);
  });

  test('When a scale request is wrong, then it is refused: unknown service 404, unscalable 409, count out of range 400', async () => {
    const { supervisor } = supervise([await fake('alpha'), await fake('front', {}, 2)], QUICK_BACKOFF, FAST, fakeScaling(['alpha']));
    await expect(supervisor.scale('alpha', 2)).rejects.toMatchObject({ status: 409 }); // not started yet
    await supervisor.start();
    const status = (promise: Promise<unknown>) => promise.then(() => 200, (error: unknown) => (error instanceof ControlError ? error.status : 500));
    expect(await status(supervisor.scale('omega', 2))).toBe(404);
    expect(await status(supervisor.scale('front', 2))).toBe(409);
    expect(await status(supervisor.scale('alpha', 0))).toBe(400);
    expect(await status(supervisor.scale('alpha', 5))).toBe(400);
    expect(supervisor.processes()).toHaveLength(2);
  });

  test('When a new replica never becomes healthy, then scale fails with 503 and the replica is removed again', async () => {
    const { supervisor } = supervise([await fake('alpha')], QUICK_BACKOFF, { ...FAST, startTimeoutMs: 800 }, fakeScaling(['alpha'], { FAKE_MODE: 'never-healthy' }));
    await supervisor.start();
    await expect(supervisor.scale('alpha', 2)).rejects.toMatchObject({ status: 503, message: expect.stringMatching(/^alpha-2 did not become healthy/) as unknown });
    await eventually(() => (supervisor.processes().length === 1 ? true : undefined));
  });

  test('When the system stops, then every replica is stopped too', async () => {
    const { supervisor } = supervise([await fake('alpha')], QUICK_BACKOFF, FAST, fakeScaling(['alpha']));
    await supervisor.start();
    const { instances } = await supervisor.scale('alpha', 3);
    await supervisor.stop();
    for (const { pid } of instances) expect(isAlive(pid ?? 0)).toBe(false);
  });
});

/**
 * A stand-in for the registry: keeps what the fakes register (PUT, with their pid) and lists it,
 * passing or not. It checks tokens as the real one does: 401 without a valid one for the registry,
 * 403 for a write about another service than the caller's; `readers` has who listed.
 */
async function fakeRegistry(keys: TestKeys, { passing = true } = {}) {
  const identity = keys.identity('registry');
  const registered = new Map<string, { service: string; instance_id: string; pid: number }>();
  const registrations: string[] = [];
  const readers: string[] = [];
  const server = http.createServer((request, response) => {
    const caller = callerIn(identity, request.headers);
    if (caller === undefined) {
      response.writeHead(401).end();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://registry');
    const one = /^\/v1\/services\/([^/]+)\/instances\/([^/]+)$/.exec(url.pathname);
    const all = /^\/v1\/services\/([^/]+)\/instances$/.exec(url.pathname);
    if (request.method === 'PUT' && one?.[1] && one[2]) {
      const [, service, id] = one;
      if (caller !== service) {
        response.writeHead(403).end();
        return;
      }
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        registered.set(id, { service, instance_id: id, pid: (JSON.parse(body) as { pid: number }).pid });
        registrations.push(id);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    } else if (request.method === 'GET' && all?.[1]) {
      readers.push(caller);
      const instances = [...registered.values()].filter((i) => i.service === all[1]).map((i) => ({ ...i, status: passing ? 'passing' : 'starting' }));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ service: all[1], instances }));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    registrations,
    readers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The supervisor's own lines about `service` from the rollout on, as `start|ready|term|exit <label>` (ready: healthy, and registered when it registers). */
function rolloutEvents(text: string, service: string): string[] {
  const lines = text.split('\n').filter((line) => line.startsWith('supervisor'));
  const from = lines.findIndex((line) => line.includes(`rolling out ${service}:`));
  return lines.slice(from).flatMap((line) => {
    const match = / INFO +(\S+) (?:\(pid \d+\) )?(started as pid|is healthy|draining: SIGTERM|drained: exited)/.exec(line);
    const kind = { 'started as pid': 'start', 'is healthy': 'ready', 'draining: SIGTERM': 'term', 'drained: exited': 'exit' } as const;
    return match?.[1] && match[2] ? [`${kind[match[2] as keyof typeof kind]} ${match[1]}`] : [];
  });
}

const statusOf = (promise: Promise<unknown>) => promise.then(() => 200, (error: unknown) => (error instanceof ControlError ? error.status : 500));

describe('Supervisor rollout', () => {
  test('When a service with 2 instances is rolled out, then each slot gets a new process on its own port, one at a time through a temporary third, and no other process changes', async () => {
    const drain = { FAKE_DRAIN_MS: '300' };
    const { supervisor, text } = supervise([await fake('alpha', drain), await fake('front', {}, 2)], QUICK_BACKOFF, FAST, fakeScaling(['alpha'], drain));
    await supervisor.start();
    const before = (await supervisor.scale('alpha', 2)).instances;
    const front = supervisor.processes().find((p) => p.service === 'front');
    const samples: SupervisedInstance[][] = [];
    const sampler = setInterval(() => samples.push(supervisor.processes().filter((p) => p.service === 'alpha')), 10);
    const answer = await supervisor.rollout('alpha').finally(() => clearInterval(sampler));

    expect(answer).toMatchObject({ service: 'alpha', replicas: 2, temporary: { instance_id: 'alpha-3', replica: 3 } });
    expect(answer.replaced.map((r) => [r.old.instance_id, r.new.instance_id])).toEqual([
      ['alpha-1', 'alpha-1'],
      ['alpha-2', 'alpha-2'],
    ]);
    for (const [index, { old, new: now }] of answer.replaced.entries()) {
      expect(old.pid).toBe(before[index]?.pid);
      expect(now.port).toBe(before[index]?.port);
      expect(now.pid).not.toBe(old.pid);
      expect(isAlive(old.pid ?? 0)).toBe(false);
      expect(await healthPid({ baseUrl: `http://127.0.0.1:${now.port}` } as ProcessPlan)).toBe(now.pid);
    }
    expect(answer.steps.map((step) => [step.started.instance_id, step.stopped.instance_id])).toEqual([
      ['alpha-3', 'alpha-2'],
      ['alpha-2', 'alpha-1'],
      ['alpha-1', 'alpha-3'],
    ]);
    for (const step of answer.steps) expect(step.drain_ms).toBeGreaterThanOrEqual(250);
    expect(isAlive(answer.temporary.pid ?? 0)).toBe(false);
    expect(answer.instances.map((i) => [i.instance_id, i.port, i.state])).toEqual(before.map((i) => [i.instance_id, i.port, 'running']));
    expect(supervisor.processes().find((p) => p.service === 'front')).toEqual(front);

    // Each new instance was healthy before the next old one got SIGTERM, and that one had exited before its slot started again.
    expect(rolloutEvents(text(), 'alpha')).toEqual([
      'start alpha-3', 'ready alpha-3', 'term alpha-2', 'exit alpha-2',
      'start alpha-2', 'ready alpha-2', 'term alpha', 'exit alpha',
      'start alpha', 'ready alpha', 'term alpha-3', 'exit alpha-3',
    ]);
    // Never fewer than two instances up, never two leaving at once.
    expect(samples.length).toBeGreaterThan(10);
    for (const sample of samples) {
      expect(sample.filter((i) => i.state === 'running').length).toBeGreaterThanOrEqual(2);
      expect(sample.filter((i) => i.state === 'draining').length).toBeLessThanOrEqual(1);
    }
    expect(text()).toMatch(/alpha rolled out in [\d.]+ s: alpha-1 pid \d+ → \d+ \(port \d+\), alpha-2 pid \d+ → \d+ \(port \d+\)/);
  });

  test('When a single instance that registers is rolled out, then a temporary second one carries it, each new one is waited for until the registry lists it passing (and its callers have had time to learn of it), and replica 1 gets its port back', async () => {
    // The fakes (alpha) register with a token of their own key; the supervisor reads with its own (SERVICE_KEYS_FILE).
    const keys = testKeys(['alpha']);
    const registry = await fakeRegistry(keys);
    try {
      const env = { REGISTRY_URL: registry.url, ...keys.env, FAKE_REGISTRY_TOKEN: keys.token('alpha', 'registry'), FAKE_REGISTER_DELAY_MS: '300', FAKE_DRAIN_MS: '100' };
      const alpha = await fake('alpha', env);
      const { supervisor, text } = supervise([alpha, await fake('front', {}, 2)], QUICK_BACKOFF, { ...FAST, rolloutSettleMs: 400 }, fakeScaling(['alpha'], env));
      const [first, other] = await supervisor.start();
      const answer = await supervisor.rollout('alpha');
      // Each old instance went 400 ms after the one taking over passed in the registry.
      const total = answer.steps.reduce((sum, step) => sum + step.start_ms + step.drain_ms, 0);
      expect(answer.duration_ms).toBeGreaterThanOrEqual(total + 2 * 400);
      expect(text()).toMatch(/alpha-2 is healthy and registered \(pid \d+: healthy \d+ ms, passing in the registry \d+ ms after its start\)/);
      expect(answer.replicas).toBe(1);
      expect(answer.temporary).toMatchObject({ instance_id: 'alpha-2', replica: 2 });
      expect(answer.temporary.port).not.toBe(alpha.port);
      expect(answer.replaced).toEqual([
        { old: { instance_id: 'alpha-1', replica: 1, pid: first?.pid, port: alpha.port }, new: { instance_id: 'alpha-1', replica: 1, pid: expect.any(Number) as unknown, port: alpha.port } },
      ]);
      expect(answer.steps).toHaveLength(2);
      // Healthy at once, but not counted as up before it had registered (300 ms after it listened).
      for (const step of answer.steps) expect(step.start_ms).toBeGreaterThanOrEqual(300);
      expect(registry.registrations).toEqual(expect.arrayContaining(['alpha-2', 'alpha-1']));
      // The supervisor asked the registry with its own token.
      expect(registry.readers.length).toBeGreaterThan(0);
      expect(new Set(registry.readers)).toEqual(new Set(['supervisor']));
      expect(await healthPid(alpha)).toBe(answer.replaced[0]?.new.pid);
      expect(supervisor.processes().map((p) => [p.instance_id, p.pid])).toEqual([
        ['alpha-1', answer.replaced[0]?.new.pid],
        ['front-1', other?.pid],
      ]);
    } finally {
      await registry.close();
    }
  });

  test('When a new instance never passes in the registry, then the rollout fails with 503 before anything old is stopped, and the temporary instance is removed', async () => {
    const keys = testKeys(['alpha']);
    const registry = await fakeRegistry(keys, { passing: false });
    try {
      const env = { REGISTRY_URL: registry.url, ...keys.env, FAKE_REGISTRY_TOKEN: keys.token('alpha', 'registry') };
      // Long enough for the registry to be asked at least once after the health check, on a loaded machine.
      const { supervisor } = supervise([await fake('alpha', env)], QUICK_BACKOFF, { ...FAST, startTimeoutMs: 2000 }, fakeScaling(['alpha'], env));
      const [first] = await supervisor.start();
      await expect(supervisor.rollout('alpha')).rejects.toMatchObject({
        status: 503,
        message: expect.stringMatching(/^alpha-2 was not passing in the registry within 2 s: its status there was starting\. The rollout of alpha stopped after 0 of 2 steps; serving now: alpha-1\.$/) as unknown,
      });
      await eventually(() => (supervisor.processes().length === 1 ? true : undefined));
      expect(supervisor.processes()[0]).toMatchObject({ instance_id: 'alpha-1', pid: first?.pid, state: 'running' });
    } finally {
      await registry.close();
    }
  });

  test('When the new process of a slot does not start, then the rollout stops with 503, the temporary instance keeps serving in its place, and scaling fills the slot again on its own port', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'supervisor-rollout-'));
    const broken = path.join(dir, 'broken-build');
    try {
      const alpha = await fake('alpha', { FAKE_EXIT_IF_FILE: broken });
      const { supervisor } = supervise([alpha], QUICK_BACKOFF, FAST, fakeScaling(['alpha']));
      await supervisor.start();
      writeFileSync(broken, '');
      await expect(supervisor.rollout('alpha')).rejects.toMatchObject({
        status: 503,
        message: 'alpha exited before it became healthy. The rollout of alpha stopped after 1 of 2 steps; serving now: alpha-2.',
      });
      await eventually(() => (supervisor.processes().length === 1 ? true : undefined));
      expect(supervisor.processes()[0]).toMatchObject({ instance_id: 'alpha-2', state: 'running' });
      rmSync(broken);
      const scaled = await supervisor.scale('alpha', 2);
      expect(scaled.instances.map((i) => [i.instance_id, i.state])).toEqual([
        ['alpha-1', 'running'],
        ['alpha-2', 'running'],
      ]);
      expect(scaled.instances[0]?.port).toBe(alpha.port);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('When the service is a module of a process that holds several, then its rollout is refused with 409 saying it cannot be deployed alone', async () => {
    const whole = { ...(await fake('whole')), modules: ['alpha', 'beta', 'front'] };
    const { supervisor } = supervise([whole], QUICK_BACKOFF, FAST, fakeScaling([]));
    const [running] = await supervisor.start();
    await expect(supervisor.rollout('alpha')).rejects.toMatchObject({
      status: 409,
      message: 'alpha runs inside whole with beta, front: it cannot be deployed alone; restarting whole restarts every module',
    });
    expect(supervisor.processes()[0]?.pid).toBe(running?.pid);
  });

  test('When a rollout is not possible, then it is refused: unknown service 404; unscalable, not started, already rolling out or scaling 409', async () => {
    const drain = { FAKE_DRAIN_MS: '200' };
    const { supervisor } = supervise([await fake('alpha', drain), await fake('beta'), await fake('front', {}, 2)], QUICK_BACKOFF, FAST, fakeScaling(['alpha', 'beta'], drain));
    expect(await statusOf(supervisor.rollout('alpha'))).toBe(409); // not started yet
    await supervisor.start();
    expect(await statusOf(supervisor.rollout('omega'))).toBe(404);
    await expect(supervisor.rollout('front')).rejects.toMatchObject({ status: 409, message: expect.stringContaining('front cannot be rolled out') as unknown });

    const running = supervisor.rollout('alpha');
    await expect(supervisor.rollout('alpha')).rejects.toMatchObject({ status: 409, message: 'A rollout of alpha is already running' });
    await expect(supervisor.scale('alpha', 2)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('alpha is being rolled out') as unknown });
    // Another service is not held up.
    const scaling = supervisor.scale('beta', 2);
    await expect(supervisor.rollout('beta')).rejects.toMatchObject({ status: 409, message: expect.stringContaining('beta is being scaled') as unknown });
    expect(await statusOf(scaling)).toBe(200);
    expect(await statusOf(running)).toBe(200);
    expect(await statusOf(supervisor.rollout('beta'))).toBe(200);
    expect(supervisor.processes().map((p) => p.instance_id)).toEqual(['alpha-1', 'beta-1', 'beta-2', 'front-1']);
  });
});

describe('Supervisor, monolith topology: one process holding several modules', () => {
  const MODULES = ['user-service', 'product-service', 'order-service', 'payment-service', 'gateway'];

  test('When a module of the monolith is controlled by its name, then the whole monolith process is, and the process beside it is not', async () => {
    const provider = await fake('payment-provider');
    const monolith: ProcessPlan = { ...fakeOn('monolith', 1, await freePort(), {}, 2), modules: MODULES };
    // As for --monolith: no service can be scaled.
    const { supervisor } = supervise([provider, monolith], QUICK_BACKOFF, FAST, fakeScaling([]));
    const [providerRun, monolithRun] = await supervisor.start();

    expect(supervisor.control('order-service', 'pause', 30)).toMatchObject({ instance_id: 'monolith-1', state: 'paused', pid: monolithRun?.pid });
    expect(supervisor.processes().map((p) => [p.instance_id, p.state])).toEqual([
      ['payment-provider-1', 'running'],
      ['monolith-1', 'paused'],
    ]);
    expect(supervisor.control('gateway', 'resume')).toMatchObject({ instance_id: 'monolith-1', state: 'running' });
    expect(supervisor.control('monolith', 'pause', 30)).toMatchObject({ instance_id: 'monolith-1', state: 'paused' });
    expect(supervisor.control('monolith-1', 'resume')).toMatchObject({ instance_id: 'monolith-1', state: 'running' });
    expect(supervisor.control('payment-provider', 'pause', 30)).toMatchObject({ instance_id: 'payment-provider-1', state: 'paused' });
    expect(supervisor.control('payment-provider', 'resume')).toMatchObject({ instance_id: 'payment-provider-1', state: 'running' });
    expect(() => supervisor.control('registry', 'kill')).toThrow(expect.objectContaining({ status: 404 }));

    // Killing one module kills the process holding it: it is restarted as a whole, the provider untouched.
    supervisor.control('payment-service', 'kill');
    const restarted = await eventually(async () => {
      const pid = await healthPid(monolith);
      return pid !== undefined && pid !== monolithRun?.pid ? pid : undefined;
    });
    expect(isAlive(monolithRun?.pid ?? 0)).toBe(false);
    expect(supervisor.processes()[1]).toMatchObject({ instance_id: 'monolith-1', pid: restarted, state: 'running' });
    expect(await healthPid(provider)).toBe(providerRun?.pid);
    await expect(supervisor.scale('monolith', 2)).rejects.toMatchObject({ status: 409 });
  });
});
