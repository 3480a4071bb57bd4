import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { createReporter, type OutputOptions, type StreamName } from '../src/output.js';
import { ControlError, createSupervisor, StartupError, type ProcessPlan, type ScalingOptions, type Supervisor } from '../src/supervisor.js';

const FAKE_SERVICE = fileURLToPath(new URL('./fixtures/fake-service.mjs', import.meta.url));
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
function supervise(plans: ProcessPlan[], backoff = QUICK_BACKOFF, timings = FAST, scaling?: ScalingOptions) {
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
