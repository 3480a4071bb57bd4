import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { createReporter, type OutputOptions, type StreamName } from '../src/output.js';
import { createSupervisor, StartupError, type ProcessPlan, type Supervisor } from '../src/supervisor.js';

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
  const port = await freePort();
  return {
    name,
    command: process.execPath,
    args: [FAKE_SERVICE],
    env: { PATH: process.env.PATH ?? '', PORT: String(port), FAKE_NAME: name, ...env },
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
function supervise(plans: ProcessPlan[], backoff = QUICK_BACKOFF, timings = FAST) {
  const lines: { stream: StreamName; line: string }[] = [];
  const output: OutputOptions = { format: 'pretty', colour: false, nameWidth: 12, sink: { write: (stream, line) => lines.push({ stream, line }) } };
  const supervisor = createSupervisor({ plans, cwd: process.cwd(), output, reporter: createReporter(output, process.pid), backoff, timings });
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
