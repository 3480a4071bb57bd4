import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN_HEADER, type SupervisedProcess } from '@microshop/contracts';
import { afterEach, describe, expect, test } from 'vitest';
import { startControlServer, type ControlServer } from '../src/control-server.js';
import { createReporter, type OutputOptions } from '../src/output.js';
import { createSupervisor, type ProcessPlan, type Supervisor } from '../src/supervisor.js';

const FAKE_SERVICE = fileURLToPath(new URL('./fixtures/fake-service.mjs', import.meta.url));
const TOKEN = 'control-test-admin-token';
const FAST = { startTimeoutMs: 5000, pollIntervalMs: 50, stopTimeoutMs: 1000, recoveryTimeoutMs: 5000 };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function fakePlan(name: string): Promise<ProcessPlan> {
  const port = await freePort();
  return {
    name,
    command: process.execPath,
    args: [FAKE_SERVICE],
    env: { PATH: process.env.PATH ?? '', PORT: String(port), FAKE_NAME: name },
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stage: 1,
    database: null,
  };
}

async function healthPid(plan: ProcessPlan, timeoutMs = 300): Promise<number | undefined> {
  try {
    const response = await fetch(`${plan.baseUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return ((await response.json()) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const running: { supervisor: Supervisor; control: ControlServer }[] = [];

async function system(): Promise<{ plan: ProcessPlan; pid: number; call: (method: string, path: string, body?: unknown, token?: string | null) => Promise<{ status: number; body: unknown }> }> {
  const plan = await fakePlan('alpha');
  const output: OutputOptions = { format: 'pretty', colour: false, nameWidth: 12, sink: { write: () => undefined } };
  const supervisor = createSupervisor({ plans: [plan], cwd: process.cwd(), output, reporter: createReporter(output, process.pid), backoff: { initialMs: 100, factor: 2, maxMs: 1000, resetAfterMs: 30_000 }, timings: FAST });
  const control = await startControlServer({ supervisor, adminToken: TOKEN, port: 0 });
  running.push({ supervisor, control });
  const [started] = await supervisor.start();
  const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
    const response = await fetch(`http://127.0.0.1:${control.port}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { [ADMIN_TOKEN_HEADER]: token }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  return { plan, pid: started?.pid ?? 0, call };
}

afterEach(async () => {
  for (const { supervisor, control } of running.splice(0)) {
    await supervisor.stop();
    await control.close();
  }
});

describe('Supervisor control endpoint', () => {
  test.each([
    ['no credential', null, 401],
    ['a wrong credential', 'control-test-admin-tokeX', 403],
  ])('When a request has %s, then %i and the process keeps running', async (_name, token, status) => {
    const { plan, pid, call } = await system();
    expect((await call('POST', '/processes/alpha', { action: 'kill' }, token)).status).toBe(status);
    expect(await healthPid(plan)).toBe(pid);
  });

  test('When the action or the name is wrong, then 400 naming the field or 404', async () => {
    const { call } = await system();
    expect(await call('POST', '/processes/alpha', { action: 'explode' })).toMatchObject({ status: 400, body: { field: 'action' } });
    expect(await call('POST', '/processes/alpha', { action: 'pause', for_s: 600 })).toMatchObject({ status: 400, body: { field: 'for_s' } });
    expect((await call('POST', '/processes/omega', { action: 'kill' })).status).toBe(404);
  });

  test('When a process is paused, then it stops answering, is listed as paused, and answers again once resumed', async () => {
    const { plan, pid, call } = await system();
    expect(await call('POST', '/processes/alpha', { action: 'pause', for_s: 30 })).toMatchObject({ status: 200, body: { state: 'paused', pid } });
    expect(await healthPid(plan)).toBeUndefined();
    const listed = (await call('GET', '/processes')).body as SupervisedProcess[];
    expect(listed[0]).toMatchObject({ name: 'alpha', state: 'paused' });
    expect(await call('POST', '/processes/alpha', { action: 'resume' })).toMatchObject({ status: 200, body: { state: 'running' } });
    expect(await healthPid(plan, 2000)).toBe(pid);
  });

  test('When a pause is given 1 s, then the process resumes by itself', async () => {
    const { plan, pid, call } = await system();
    await call('POST', '/processes/alpha', { action: 'pause', for_s: 1 });
    expect(await healthPid(plan)).toBeUndefined();
    const started = Date.now();
    expect(await eventually(() => healthPid(plan))).toBe(pid);
    console.log(`paused process answered again ${Date.now() - started} ms after the pause check`);
  });

  test('When a process is killed or restarted, then it comes back with a new pid', async () => {
    const { plan, pid, call } = await system();
    expect((await call('POST', '/processes/alpha', { action: 'kill' })).status).toBe(200);
    const second = await eventually(async () => {
      const now = await healthPid(plan);
      return now !== undefined && now !== pid ? now : undefined;
    });
    expect((await call('POST', '/processes/alpha', { action: 'restart' })).status).toBe(200);
    const third = await eventually(async () => {
      const now = await healthPid(plan);
      return now !== undefined && now !== second ? now : undefined;
    });
    expect(new Set([pid, second, third]).size).toBe(3);
  });
  test('When the system stops while a process is paused, then it is woken and stops on SIGTERM, without waiting for SIGKILL', async () => {
    const { call } = await system();
    await call('POST', '/processes/alpha', { action: 'pause', for_s: 60 });
    const entry = running[running.length - 1];
    const started = Date.now();
    await entry?.supervisor.stop();
    const took = Date.now() - started;
    console.log(`paused process stopped in ${took} ms`);
    expect(took).toBeLessThan(FAST.stopTimeoutMs);
    expect(entry?.supervisor.processes()[0]?.state).toBe('stopped');
  });
});
