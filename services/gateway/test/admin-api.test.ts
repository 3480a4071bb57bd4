import { ADMIN_TOKEN_HEADER, type ChaosState, type Problem } from '@microshop/contracts';
import { freePort, startFakeService, type FakeService } from '@microshop/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { callerAt, keys, startGateway, type GatewayHarness } from './gateway-harness.js';

const ADMIN = 'admin-api-test-admin-token';
/** A service token, where the admin API wants the admin credential: refused like none. */
const aServiceToken = () => keys.headers('order-service', 'gateway');
const admin = { [ADMIN_TOKEN_HEADER]: ADMIN, 'content-type': 'application/json' };
const ACTIVE: ChaosState = { active: true, latency_ms: 300, jitter_ms: 0, error_rate: 0, hang: false, expires_at: '2030-01-01T00:00:00.000Z', expires_in_s: 60 };

let gateway: GatewayHarness | undefined;
let supervisor: FakeService | undefined;
afterEach(async () => {
  await gateway?.close();
  await supervisor?.close();
  gateway = undefined;
  supervisor = undefined;
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = admin) {
  const response = await fetch(`${gateway?.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe('Gateway admin API', () => {
  it.each([
    ['no credential', { 'content-type': 'application/json' }, 401],
    ['a wrong credential', { [ADMIN_TOKEN_HEADER]: 'admin-api-test-admin-tokeX', 'content-type': 'application/json' }, 403],
    ['a service token instead', { ...aServiceToken(), 'content-type': 'application/json' }, 401],
  ])('When a fault is set with %s, then %i naming the header and the service hears nothing', async (_name, headers, status) => {
    gateway = await startGateway({ adminToken: ADMIN });
    const answer = await call('PUT', '/api/admin/services/product-service/chaos', { latency_ms: 300 }, headers);
    expect(answer).toMatchObject({ status, body: { field: ADMIN_TOKEN_HEADER } });
    expect(gateway.allCalls()).toEqual([]);
  });

  it('When a fault is set, then it is forwarded with the gateway’s service token and its state comes back', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    gateway.fakes['product-service'].on('PUT', '/internal/chaos', () => ({ body: ACTIVE }));
    const answer = await call('PUT', '/api/admin/services/product-service/chaos', { latency_ms: 300, expires_in_s: 60 });
    expect(answer).toEqual({ status: 200, body: ACTIVE });
    const [forwarded] = gateway.fakes['product-service'].calls;
    expect(forwarded).toMatchObject({ method: 'PUT', path: '/internal/chaos', body: { latency_ms: 300, expires_in_s: 60 } });
    // With the gateway's own token for the Product service, the one caller its /internal/chaos takes.
    expect(callerAt('product-service', forwarded)).toBe('gateway');
  });

  it.each([
    ['an error rate above 1', '/api/admin/services/product-service/chaos', { error_rate: 1.5 }, 'error_rate'],
    ['an expiry above 600 s', '/api/admin/services/product-service/chaos', { latency_ms: 10, expires_in_s: 601 }, 'expires_in_s'],
    ['an unknown service', '/api/admin/services/shipping-service/chaos', { latency_ms: 10 }, 'service'],
  ])('When the request has %s, then 400 naming the field and nothing is forwarded', async (_name, path, body, field) => {
    gateway = await startGateway({ adminToken: ADMIN });
    const answer = await call('PUT', path, body);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain(field);
    expect(gateway.allCalls()).toEqual([]);
  });

  it('When a process is paused, then the supervisor is asked with the admin credential and its answer comes back', async () => {
    supervisor = await startFakeService();
    supervisor.on('POST', '/processes/:name', (_call, params) => ({ body: { name: params.name, pid: 4242, port: 5004, state: 'paused', until: '2030-01-01T00:00:30.000Z' } }));
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    const answer = await call('POST', '/api/admin/services/payment-service/process', { action: 'pause', for_s: 30 });
    expect(answer).toEqual({ status: 200, body: { service: 'payment-service', action: 'pause', pid: 4242, state: 'paused', until: '2030-01-01T00:00:30.000Z' } });
    expect(supervisor.calls[0]).toMatchObject({ path: '/processes/payment-service', body: { action: 'pause', for_s: 30 } });
    expect(supervisor.calls[0]?.headers[ADMIN_TOKEN_HEADER]).toBe(ADMIN);
  });

  it.each([
    ['no supervisor is configured', false],
    ['the supervisor does not answer', true],
  ])('When %s, then process control answers 503 problem naming the supervisor', async (_name, configured) => {
    const supervisorUrl = configured ? `http://127.0.0.1:${await freePort()}` : undefined;
    gateway = await startGateway({ adminToken: ADMIN, ...(supervisorUrl ? { supervisorUrl } : {}) });
    const started = performance.now();
    const answer = await call('POST', '/api/admin/services/payment-service/process', { action: 'kill' });
    expect(answer.status).toBe(503);
    expect(answer.body as Problem).toMatchObject({ status: 503 });
    expect((answer.body as Problem).detail).toContain('supervisor');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('When the action is not known, then 400 naming the field', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    const answer = await call('POST', '/api/admin/services/payment-service/process', { action: 'explode' });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('action');
  });

  it('When the services are listed, then each shows its faults, and one that does not answer shows null', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    gateway.fakes['order-service'].on('GET', '/internal/chaos', () => ({ body: ACTIVE }));
    await gateway.fakes['user-service'].close();
    const answer = await call('GET', '/api/admin/services');
    expect(answer.status).toBe(200);
    const body = answer.body as { supervisor: boolean; services: { service: string; chaos: ChaosState | null }[] };
    expect(body.supervisor).toBe(false);
    expect(body.services.find((s) => s.service === 'order-service')?.chaos).toEqual(ACTIVE);
    expect(body.services.find((s) => s.service === 'user-service')?.chaos).toBeNull();
  });

  it('When a resilience switch is set, then it is forwarded to the service with the gateway’s service token', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    const state = {
      service: 'order-service',
      switches: { timeouts: true, retries: false, breakers: true, bulkheads: true },
      breakers: { 'product-service': 'closed' },
      bulkheads: { 'product-service': { limit: 24, in_flight: 3, queued: 0 } },
      settings: {
        connect_timeout_ms: 500,
        first_byte_timeout_ms: 1000,
        retry_max_attempts: 3,
        retry_base_ms: 50,
        retry_max_delay_ms: 1000,
        retry_budget_ratio: 0.2,
        breaker_failures: 5,
        breaker_failure_ratio: 0.5,
        breaker_window_ms: 10000,
        breaker_half_open_after_ms: 5000,
        bulkhead_max_concurrent: 32,
        bulkhead_min_concurrent: 4,
        bulkhead_slow_ratio: 0.25,
        bulkhead_queue: 64,
      },
    };
    gateway.fakes['order-service'].on('PUT', '/internal/resilience', () => ({ body: state }));
    const answer = await call('PUT', '/api/admin/services/order-service/resilience', { retries: false });
    expect(answer).toEqual({ status: 200, body: state });
    expect(gateway.fakes['order-service'].calls[0]).toMatchObject({ method: 'PUT', path: '/internal/resilience', body: { retries: false } });
    expect(callerAt('order-service', gateway.fakes['order-service'].calls[0])).toBe('gateway');
  });
});

describe('Gateway admin API: scaling and instances', () => {
  const replicasOf = (replicas: number) => ({
    service: 'order-service',
    replicas,
    instances: Array.from({ length: replicas }, (_, i) => ({ service: 'order-service', instance_id: `order-service-${i + 1}`, replica: i + 1, pid: 900 + i, port: 6003 + 10 * i, state: 'running' })),
  });

  it('When a service is scaled, then the supervisor is asked with the admin credential and its answer comes back', async () => {
    supervisor = await startFakeService();
    supervisor.on('PUT', '/services/:service/replicas', (call) => ({ body: replicasOf((call.body as { replicas: number }).replicas) }));
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    const answer = await call('PUT', '/api/admin/services/order-service/replicas', { replicas: 3 });
    expect(answer).toEqual({ status: 200, body: replicasOf(3) });
    expect(supervisor.calls[0]).toMatchObject({ method: 'PUT', path: '/services/order-service/replicas', body: { replicas: 3 } });
    expect(supervisor.calls[0]?.headers[ADMIN_TOKEN_HEADER]).toBe(ADMIN);
  });

  it.each([404, 409, 400])('When the supervisor refuses the scaling with %i, then that problem is passed on', async (status) => {
    supervisor = await startFakeService();
    const refusal = { type: 'about:blank', title: 'Refused', status, detail: `refused with ${status}` };
    supervisor.on('PUT', '/services/:service/replicas', () => ({ status, body: refusal, headers: { 'content-type': 'application/problem+json' } }));
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    const answer = await call('PUT', '/api/admin/services/user-service/replicas', { replicas: 2 });
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ status, detail: `refused with ${status}` });
  });

  it('When there is no supervisor, then scaling answers 503 naming it', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    const answer = await call('PUT', '/api/admin/services/order-service/replicas', { replicas: 2 });
    expect(answer.status).toBe(503);
    expect((answer.body as Problem).detail).toContain('supervisor');
  });

  it.each([
    ['no admin credential', { 'content-type': 'application/json' }, { replicas: 2 }, 401],
    ['too many replicas', admin, { replicas: 99 }, 400],
    ['no count', admin, {}, 400],
  ])('When scaling with %s, then %i and the supervisor hears nothing', async (_name, headers, body, status) => {
    supervisor = await startFakeService();
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    expect((await call('PUT', '/api/admin/services/order-service/replicas', body, headers)).status).toBe(status);
    expect(supervisor.calls).toEqual([]);
  });

  it('When an instance is named for process control, then the supervisor acts on it; an instance of another service is refused', async () => {
    supervisor = await startFakeService();
    supervisor.on('POST', '/processes/:name', (_call, params) => ({
      body: { service: 'order-service', instance_id: params.name, replica: 2, pid: 4343, port: 6013, state: 'stopped', until: '2030-01-01T00:00:10.000Z' },
    }));
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    const answer = await call('POST', '/api/admin/services/order-service/process', { action: 'kill', for_s: 10, instance: 'order-service-2' });
    expect(answer).toEqual({ status: 200, body: { service: 'order-service', instance: 'order-service-2', action: 'kill', pid: 4343, state: 'stopped', until: '2030-01-01T00:00:10.000Z' } });
    expect(supervisor.calls[0]).toMatchObject({ path: '/processes/order-service-2', body: { action: 'kill', for_s: 10 } });
    const wrong = await call('POST', '/api/admin/services/order-service/process', { action: 'kill', instance: 'user-service-2' });
    expect(wrong).toMatchObject({ status: 400, body: { field: 'instance' } });
    expect(supervisor.calls).toHaveLength(1);
  });

  it('When the services are listed with a supervisor, then each shows its instances, and replica 1 as its process', async () => {
    supervisor = await startFakeService();
    supervisor.on('GET', '/processes', () => ({ body: replicasOf(2).instances }));
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    const answer = await call('GET', '/api/admin/services');
    const body = answer.body as { supervisor: boolean; services: { service: string; process: unknown; instances: unknown[] }[] };
    expect(body.supervisor).toBe(true);
    const order = body.services.find((s) => s.service === 'order-service');
    expect(order?.instances).toEqual(replicasOf(2).instances);
    expect(order?.process).toEqual({ name: 'order-service', pid: 900, port: 6003, state: 'running' });
    expect(body.services.find((s) => s.service === 'user-service')?.instances).toEqual([]);
  });
});

describe('Gateway admin API: rollouts', () => {
  const ref = (replica: number, pid: number, port: number) => ({ instance_id: `order-service-${replica}`, replica, pid, port });
  const ROLLOUT = {
    service: 'order-service',
    replicas: 1,
    started_at: '2030-01-01T00:00:00.000Z',
    duration_ms: 5400,
    replaced: [{ old: ref(1, 900, 5003), new: ref(1, 902, 5003) }],
    temporary: ref(2, 901, 6013),
    steps: [
      { started: ref(2, 901, 6013), stopped: ref(1, 900, 5003), healthy_ms: 900, start_ms: 950, drain_ms: 1700 },
      { started: ref(1, 902, 5003), stopped: ref(2, 901, 6013), healthy_ms: 940, start_ms: 1000, drain_ms: 1750 },
    ],
    instances: [{ service: 'order-service', instance_id: 'order-service-1', replica: 1, pid: 902, port: 5003, state: 'running' }],
  };

  it('When a service is rolled out, then the supervisor is asked with the admin credential and its account of the rollout comes back', async () => {
    supervisor = await startFakeService();
    supervisor.on('POST', '/services/:service/rollout', () => ({ body: ROLLOUT }));
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    const answer = await call('POST', '/api/admin/services/order-service/rollout', undefined, { [ADMIN_TOKEN_HEADER]: ADMIN });
    expect(answer).toEqual({ status: 200, body: ROLLOUT });
    expect(supervisor.calls).toHaveLength(1);
    expect(supervisor.calls[0]).toMatchObject({ method: 'POST', path: '/services/order-service/rollout' });
    expect(supervisor.calls[0]?.headers[ADMIN_TOKEN_HEADER]).toBe(ADMIN);
    expect(gateway.allCalls()).toEqual([]);
  });

  it.each([
    ['no admin credential', 401, {}],
    ['a wrong admin credential', 403, { [ADMIN_TOKEN_HEADER]: 'admin-api-test-admin-tokeX' }],
    ['a service token instead', 401, aServiceToken()],
  ])('When a rollout is asked with %s, then %i naming the header and the supervisor hears nothing', async (_name, status, headers) => {
    supervisor = await startFakeService();
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    expect(await call('POST', '/api/admin/services/order-service/rollout', undefined, headers)).toMatchObject({ status, body: { field: ADMIN_TOKEN_HEADER } });
    expect(supervisor.calls).toEqual([]);
  });

  it('When the service is not one of the four, then 400 naming the service and the supervisor hears nothing', async () => {
    supervisor = await startFakeService();
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    const answer = await call('POST', '/api/admin/services/gateway/rollout', undefined, { [ADMIN_TOKEN_HEADER]: ADMIN });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('service');
    expect(supervisor.calls).toEqual([]);
  });

  it.each([
    [404, 'No service named order-service is supervised here'],
    [409, 'A rollout of order-service is already running'],
    [409, 'order-service is being scaled: roll it out once that is done'],
    [503, 'order-service-2 did not become healthy within 30 s. The rollout of order-service stopped after 0 of 2 steps; serving now: order-service-1.'],
  ])('When the supervisor refuses the rollout with %i, then that problem is passed on', async (status, detail) => {
    supervisor = await startFakeService();
    supervisor.on('POST', '/services/:service/rollout', () => ({ status, body: { type: 'about:blank', title: 'Refused', status, detail }, headers: { 'content-type': 'application/problem+json' } }));
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    const answer = await call('POST', '/api/admin/services/order-service/rollout', undefined, { [ADMIN_TOKEN_HEADER]: ADMIN });
    expect(answer).toMatchObject({ status, body: { status, detail } });
  });

  it.each([
    ['no supervisor is configured', false],
    ['the supervisor does not answer', true],
  ])('When %s, then a rollout answers 503 naming it', async (_name, configured) => {
    const supervisorUrl = configured ? `http://127.0.0.1:${await freePort()}` : undefined;
    gateway = await startGateway({ adminToken: ADMIN, ...(supervisorUrl ? { supervisorUrl } : {}) });
    const answer = await call('POST', '/api/admin/services/order-service/rollout', undefined, { [ADMIN_TOKEN_HEADER]: ADMIN });
    expect(answer.status).toBe(503);
    expect(answer.body as Problem).toMatchObject({ status: 503, service: 'supervisor' });
    expect((answer.body as Problem).detail).toContain('supervisor');
  });

  it('When the supervisor refuses the gateway’s admin credential, then 502, not the caller’s fault', async () => {
    supervisor = await startFakeService();
    supervisor.on('POST', '/services/:service/rollout', () => ({ status: 403, body: { type: 'about:blank', title: 'Admin credential refused', status: 403 } }));
    gateway = await startGateway({ adminToken: ADMIN, supervisorUrl: supervisor.url });
    const answer = await call('POST', '/api/admin/services/order-service/rollout', undefined, { [ADMIN_TOKEN_HEADER]: ADMIN });
    expect(answer).toMatchObject({ status: 502, body: { service: 'supervisor' } });
  });

  it('When the OpenAPI document is read, then the rollout is documented next to the replicas route', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { tags?: string[] }>> };
    expect(document.paths['/api/admin/services/{service}/rollout']?.post).toBeDefined();
    expect(document.paths['/api/admin/services/{service}/replicas']?.put).toBeDefined();
  });
});

describe('Gateway admin API: the gateway’s own resilience', () => {
  it('When the gateway’s retries are switched off, then its own state says so and no service is called', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    const answer = await call('PUT', '/api/admin/services/gateway/resilience', { retries: false });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ service: 'gateway', switches: { retries: false } });
    expect((await call('GET', '/api/admin/services/gateway/resilience')).body).toMatchObject({ switches: { retries: false } });
    expect(gateway.allCalls()).toEqual([]);
  });
});
