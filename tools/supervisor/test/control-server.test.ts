import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN_HEADER, type ServiceReplicas, type ServiceRollout, type SupervisedInstance } from '@microshop/contracts';
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

async function fakePlan(name: string, replica = 1, port?: number): Promise<ProcessPlan> {
  port ??= await freePort();
  return {
    name,
    replica,
    instanceId: `${name}-${replica}`,
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
  const front = { ...(await fakePlan('front')), stage: 2 };
  const output: OutputOptions = { format: 'pretty', colour: false, nameWidth: 12, sink: { write: () => undefined } };
  const scaling = { services: ['alpha'], maxReplicas: 3, plan: (service: string, replica: number, port: number) => ({ ...plan, name: service, replica, instanceId: `${service}-${replica}`, port, baseUrl: `http://127.0.0.1:${port}`, env: { ...plan.env, PORT: String(port) } }) };
  const supervisor = createSupervisor({ plans: [plan, front], scaling, cwd: process.cwd(), output, reporter: createReporter(output, process.pid), backoff: { initialMs: 100, factor: 2, maxMs: 1000, resetAfterMs: 30_000 }, timings: FAST });
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
    const listed = (await call('GET', '/processes')).body as SupervisedInstance[];
    expect(listed[0]).toMatchObject({ service: 'alpha', instance_id: 'alpha-1', state: 'paused' });
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

  test('When the processes are listed, then each instance has its service, instance id, replica, pid, port and state', async () => {
    const { plan, pid, call } = await system();
    const { status, body } = await call('GET', '/processes');
    expect(status).toBe(200);
    expect(body).toEqual([
      { service: 'alpha', instance_id: 'alpha-1', replica: 1, pid, port: plan.port, state: 'running' },
      { service: 'front', instance_id: 'front-1', replica: 1, pid: expect.any(Number) as unknown, port: expect.any(Number) as unknown, state: 'running' },
    ]);
  });

  test('When PUT /services/:service/replicas scales up and down, then it answers the instances: healthy new ones, then draining ones; an instance id works in POST /processes', async () => {
    const { call } = await system();
    const up = await call('PUT', '/services/alpha/replicas', { replicas: 2 });
    expect(up.status).toBe(200);
    const scaled = up.body as ServiceReplicas;
    expect(scaled).toMatchObject({ service: 'alpha', replicas: 2 });
    expect(scaled.instances.map((i) => [i.instance_id, i.state])).toEqual([
      ['alpha-1', 'running'],
      ['alpha-2', 'running'],
    ]);
    const second = scaled.instances[1];
    expect(await healthPid({ baseUrl: `http://127.0.0.1:${second?.port}` } as ProcessPlan, 2000)).toBe(second?.pid);
    expect(await call('POST', '/processes/alpha-2', { action: 'pause', for_s: 5 })).toMatchObject({ status: 200, body: { instance_id: 'alpha-2', state: 'paused' } });
    const down = await call('PUT', '/services/alpha/replicas', { replicas: 1 });
    expect(down).toMatchObject({ status: 200, body: { service: 'alpha', replicas: 1 } });
    expect((down.body as ServiceReplicas).instances.map((i) => i.state)).toEqual(['running', 'draining']);
    await eventually(async () => (((await call('GET', '/processes')).body as SupervisedInstance[]).length === 2 ? true : undefined));
  });

  test('When a scaling request is wrong, then 400 naming the field, 404 for an unknown service, 409 for one that cannot be scaled, and 401 without the credential', async () => {
    const { call } = await system();
    expect(await call('PUT', '/services/alpha/replicas', { replicas: 0 })).toMatchObject({ status: 400, body: { field: 'replicas' } });
    expect(await call('PUT', '/services/alpha/replicas', { replicas: 2.5 })).toMatchObject({ status: 400, body: { field: 'replicas' } });
    expect(await call('PUT', '/services/alpha/replicas', { replicas: '2' })).toMatchObject({ status: 400, body: { field: 'replicas' } });
    expect(await call('PUT', '/services/alpha/replicas', {})).toMatchObject({ status: 400, body: { field: 'replicas' } });
    expect(await call('PUT', '/services/alpha/replicas', { replicas: 2, extra: true })).toMatchObject({ status: 400, body: { field: 'extra' } });
    expect(await call('PUT', '/services/alpha/replicas', [2])).toMatchObject({ status: 400, body: { field: 'body' } });
    expect((await call('PUT', '/services/omega/replicas', { replicas: 2 })).status).toBe(404);
    expect(await call('PUT', '/services/front/replicas', { replicas: 2 })).toMatchObject({ status: 409, body: { detail: expect.stringContaining('front cannot be scaled') as unknown } });
    expect((await call('PUT', '/services/alpha/replicas', { replicas: 2 }, null)).status).toBe(401);
    expect(((await call('GET', '/processes')).body as SupervisedInstance[]).map((i) => i.instance_id)).toEqual(['alpha-1', 'front-1']);
  });

  test('When POST /services/:service/rollout runs, then it answers once every instance is replaced: old and new pids on the same ports, each step with its durations; the other processes keep theirs', async () => {
    const { plan, pid, call } = await system();
    await call('PUT', '/services/alpha/replicas', { replicas: 2 });
    const before = (await call('GET', '/processes')).body as SupervisedInstance[];
    const answer = await call('POST', '/services/alpha/rollout');
    expect(answer.status).toBe(200);
    const rollout = answer.body as ServiceRollout;
    expect(rollout).toMatchObject({ service: 'alpha', replicas: 2, temporary: { instance_id: 'alpha-3', replica: 3 } });
    expect(Date.parse(rollout.started_at)).not.toBeNaN();
    expect(rollout.duration_ms).toBeGreaterThan(0);
    expect(rollout.replaced.map(({ old, new: now }) => [now.instance_id, old.pid, old.port === now.port, now.pid !== old.pid])).toEqual([
      ['alpha-1', pid, true, true],
      ['alpha-2', before[1]?.pid, true, true],
    ]);
    expect(rollout.replaced[0]?.new.port).toBe(plan.port);
    expect(rollout.steps).toHaveLength(3);
    for (const step of rollout.steps) {
      expect(step.start_ms).toBeGreaterThan(0);
      expect(step.drain_ms).toBeGreaterThanOrEqual(0);
    }
    const after = (await call('GET', '/processes')).body as SupervisedInstance[];
    expect(after.map((i) => [i.instance_id, i.pid, i.port, i.state])).toEqual([
      ['alpha-1', rollout.replaced[0]?.new.pid, plan.port, 'running'],
      ['alpha-2', rollout.replaced[1]?.new.pid, before[1]?.port, 'running'],
      ['front-1', before[2]?.pid, before[2]?.port, 'running'],
    ]);
    expect(await healthPid(plan, 2000)).toBe(rollout.replaced[0]?.new.pid);
  });

  test('When a rollout request is wrong or not possible, then 401 or 403 without the credential, 400 naming the field, 404 for an unknown service, 409 for one that cannot be rolled out or is already being rolled out', async () => {
    const { pid, call } = await system();
    expect(await call('POST', '/services/alpha/rollout', undefined, null)).toMatchObject({ status: 401, body: { field: ADMIN_TOKEN_HEADER } });
    expect(await call('POST', '/services/alpha/rollout', undefined, 'control-test-admin-tokeX')).toMatchObject({ status: 403, body: { field: ADMIN_TOKEN_HEADER } });
    expect(await call('POST', '/services/alpha/rollout', { replicas: 2 })).toMatchObject({ status: 400, body: { field: 'replicas' } });
    expect(await call('POST', '/services/alpha/rollout', [1])).toMatchObject({ status: 400, body: { field: 'body' } });
    expect(await call('POST', '/services/omega/rollout')).toMatchObject({ status: 404, body: { detail: 'No service named omega is supervised here' } });
    expect(await call('POST', '/services/front/rollout', {})).toMatchObject({ status: 409, body: { detail: expect.stringContaining('front cannot be rolled out') as unknown } });
    expect(await call('GET', '/services/alpha/rollout')).toMatchObject({ status: 404 });
    expect(((await call('GET', '/processes')).body as SupervisedInstance[])[0]?.pid).toBe(pid);

    const [first, second] = await Promise.all([call('POST', '/services/alpha/rollout'), call('POST', '/services/alpha/rollout')]);
    expect([first.status, second.status].sort()).toEqual([200, 409]);
    expect([first, second].find((answer) => answer.status === 409)?.body).toMatchObject({ status: 409, detail: 'A rollout of alpha is already running' });
  });

  test('When the supervisor is stopping, then a scaling request is refused with 409', async () => {
    const { call } = await system();
    const entry = running[running.length - 1];
    const stopping = entry?.supervisor.stop();
    expect((await call('PUT', '/services/alpha/replicas', { replicas: 2 })).status).toBe(409);
    await stopping;
  });
});
