import type { Problem, RegisteredInstance, ServiceInstances } from '@microshop/contracts';
import { request, sampleDelta, scrapeMetrics, testKeys } from '@microshop/testkit';
import { sampleSum } from '@microshop/chassis';
import { describe, expect, test } from 'vitest';
import { keys, useRegistries, waitFor } from './helpers.js';

describe('Registry API', () => {
  const { registry, fake } = useRegistries();

  test('When an instance registers, then 201 starting, it is not listed until its first check passes, then listed passing', async () => {
    const reg = await registry({ checkTimeoutMs: 1000 });
    const instance = await fake({ delayMs: 250 });
    const { status, body } = await reg.register('user-service', 'user-service-1', { host: '127.0.0.1', port: instance.port, pid: 42, version: '1.2.3' });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      service: 'user-service',
      instance_id: 'user-service-1',
      url: `http://127.0.0.1:${instance.port}`,
      health_path: '/health',
      status: 'starting',
      pid: 42,
      version: '1.2.3',
      last_check_at: null,
      consecutive_failures: 0,
    });
    expect(Date.parse(body.expires_at) - Date.parse(body.last_heartbeat_at)).toBe(5000);
    expect(await reg.instances('user-service')).toEqual([]);
    expect((await reg.instances('user-service', 'all')).map((i) => i.status)).toEqual(['starting']);

    const [passing] = await waitFor('passing', async () => (await reg.instances('user-service')).length === 1 && reg.instances('user-service'));
    expect(passing).toMatchObject({ instance_id: 'user-service-1', status: 'passing', consecutive_failures: 0 });
    expect(passing?.last_check_at).not.toBeNull();
    expect(instance.calls[0]).toMatchObject({ method: 'GET', path: '/health' });
  });

  test('When an instance sends its heartbeat again, then 200, its heartbeat and expiry move on, and no new registration is recorded', async () => {
    const reg = await registry();
    const instance = await fake();
    const first = await reg.register('user-service', 'u1', { host: '127.0.0.1', port: instance.port });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = await reg.register('user-service', 'u1', { host: '127.0.0.1', port: instance.port });
    expect(second.status).toBe(200);
    expect(second.body.registered_at).toBe(first.body.registered_at);
    expect(Date.parse(second.body.last_heartbeat_at)).toBeGreaterThan(Date.parse(first.body.last_heartbeat_at));
    expect(Date.parse(second.body.expires_at)).toBeGreaterThan(Date.parse(first.body.expires_at));
    const registered = (await reg.state()).events.filter((e) => e.kind === 'registered');
    expect(registered).toHaveLength(1);
  });

  test('When a renewal comes with another port, then the instance moves there and is checked there', async () => {
    const reg = await registry();
    const old = await fake();
    const moved = await fake();
    await reg.register('user-service', 'u1', { host: '127.0.0.1', port: old.port });
    await waitFor('passing at the old port', async () => (await reg.instances('user-service')).length === 1);
    const { status, body } = await reg.register('user-service', 'u1', { host: '127.0.0.1', port: moved.port, health_path: '/health' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ port: moved.port, url: `http://127.0.0.1:${moved.port}`, status: 'starting' });
    await waitFor('checked at the new port', () => moved.checks() > 0);
    const [listed] = await waitFor('passing at the new port', async () => {
      const list = await reg.instances('user-service');
      return list[0]?.port === moved.port && list;
    });
    expect(listed?.status).toBe('passing');
  });

  test('When an instance deregisters, then 204 and it is gone; an unknown one is a 404 problem', async () => {
    const reg = await registry();
    const instance = await fake();
    await reg.register('order-service', 'o1', { host: '127.0.0.1', port: instance.port });
    const gone = await reg.call('DELETE', '/v1/services/order-service/instances/o1');
    expect(gone.status).toBe(204);
    expect(gone.body).toBeUndefined();
    expect(await reg.instances('order-service', 'all')).toEqual([]);
    expect((await reg.state()).events[0]).toMatchObject({ service: 'order-service', instance_id: 'o1', kind: 'deregistered' });

    const unknown = await reg.call<Problem>('DELETE', '/v1/services/order-service/instances/o1');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(unknown.body).toMatchObject({ status: 404, field: 'instance_id' });
  });

  test('When a service has no instances, then its list is 200 and empty, with the registry state', async () => {
    const reg = await registry();
    const { status, body } = await reg.call<ServiceInstances>('GET', '/v1/services/payment-service/instances');
    expect(status).toBe(200);
    expect(body).toMatchObject({ service: 'payment-service', instances: [], ttl_ms: 5000, check_interval_ms: 50, warm: false });
  });

  test.each([
    ['PUT', '/v1/services/user-service/instances/u1', { host: 'not allowed!', port: 0, extra: true }],
    ['PUT', '/v1/services/BAD NAME/instances/u1', { host: '127.0.0.1', port: 1 }],
    ['DELETE', '/v1/services/user-service/instances/u1', undefined],
    ['GET', '/v1/services/user-service/instances?status=bogus', undefined],
    ['GET', '/v1/services', undefined],
  ])('When %s %s comes without a token, or with one that is forged, expired or for another service, then 401, before any validation', async (method, path, body) => {
    const reg = await registry();
    const without = await request<Problem>(reg.url, method, path, body);
    expect(without.status).toBe(401);
    expect(without.body).toMatchObject({ status: 401, field: 'x-service-token' });
    for (const token of [
      'not-the-registry-token',
      testKeys().token('user-service', 'registry'),
      keys.token('user-service', 'registry', { ageS: 120 }),
      keys.token('user-service', 'order-service'),
    ]) {
      const refused = await request<Problem>(reg.url, method, path, body, { 'x-service-token': token });
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ status: 401, field: 'x-service-token' });
    }
    expect(await reg.instances('user-service', 'all')).toEqual([]);
  });

  test.each([
    ['PUT', { host: 'not allowed!', port: 0, extra: true }],
    ['PUT', { host: '127.0.0.1', port: 9 }],
    ['DELETE', undefined],
  ])("When another service's valid token sends %s of a user-service instance, then 403, before any validation, and nothing changes", async (method, body) => {
    const reg = await registry();
    const instance = await fake();
    await reg.register('user-service', 'u1', { host: '127.0.0.1', port: instance.port });
    const path = '/v1/services/user-service/instances/u1';
    for (const caller of ['order-service', 'gateway', 'registry']) {
      const refused = await request<Problem>(reg.url, method, path, body, keys.headers(caller, 'registry'));
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ status: 403, field: 'service' });
    }
    expect((await reg.instances('user-service', 'all')).map((i) => [i.instance_id, i.port])).toEqual([['u1', instance.port]]);
  });

  test('When any service reads the registry with its own valid token, then 200: reads are open to every principal', async () => {
    const reg = await registry();
    for (const caller of ['user-service', 'gateway', 'supervisor']) {
      expect((await request(reg.url, 'GET', '/v1/services', undefined, keys.headers(caller, 'registry'))).status).toBe(200);
    }
  });

  test.each([['10.0.0.5'], ['169.254.169.254'], ['example.com'], ['127.0.0.2']])(
    'When an instance registers at %s, a host not allowed, then 422 naming host, nothing registered and nothing called',
    async (host) => {
      const reg = await registry();
      const { status, body } = await reg.register('user-service', 'u1', { host, port: 80 });
      expect(status).toBe(422);
      expect(body as unknown as Problem).toMatchObject({ status: 422, field: 'host' });
      expect(await reg.instances('user-service', 'all')).toEqual([]);
      expect((await reg.state()).events).toEqual([]);
    },
  );

  test('When the allowed hosts are "*", then any host can register', async () => {
    const reg = await registry({ allowedHosts: '*' });
    const { status } = await reg.register('user-service', 'u1', { host: '127.0.0.2', port: 9 });
    expect(status).toBe(201);
  });

  test('When the allowed hosts are a list, then each of them can register, in any case', async () => {
    const reg = await registry({ allowedHosts: '127.0.0.1, Localhost' });
    expect((await reg.register('user-service', 'u1', { host: 'LOCALHOST', port: 9 })).status).toBe(201);
    expect((await reg.register('user-service', 'u2', { host: '::1', port: 9 })).status).toBe(422);
  });

  test.each([
    ['an unknown field', { host: '127.0.0.1', port: 5001, weight: 3 }, 'weight'],
    ['a missing port', { host: '127.0.0.1' }, 'port'],
    ['a port out of range', { host: '127.0.0.1', port: 70_000 }, 'port'],
    ['a host with a scheme', { host: 'http://127.0.0.1', port: 5001 }, 'host'],
    ['a health path that is a URL', { host: '127.0.0.1', port: 5001, health_path: 'http://169.254.169.254/latest' }, 'health_path'],
    ['a health path with a query', { host: '127.0.0.1', port: 5001, health_path: '/health?x=1' }, 'health_path'],
  ])('When the body has %s, then 400 naming the field, and nothing is registered', async (_case, payload, field) => {
    const reg = await registry();
    const { status, body } = await reg.register('user-service', 'u1', payload);
    expect(status).toBe(400);
    expect((body as unknown as Problem).field).toBe(field);
    expect(await reg.instances('user-service', 'all')).toEqual([]);
  });

  test('When one TTL has passed since the start, then the registry says it is warm, not before', async () => {
    let time = Date.parse('2025-01-01T00:00:00.000Z');
    const reg = await registry({ ttlMs: 1000, now: () => new Date(time) });
    const cold = await reg.call<ServiceInstances>('GET', '/v1/services/user-service/instances');
    expect(cold.body).toMatchObject({ warm: false, started_at: '2025-01-01T00:00:00.000Z', ttl_ms: 1000 });
    time += 999;
    expect((await reg.state()).warm).toBe(false);
    time += 1;
    expect((await reg.state()).warm).toBe(true);
    expect((await reg.call<ServiceInstances>('GET', '/v1/services/user-service/instances')).body.warm).toBe(true);
  });

  test('When several services register, then the state lists them by name, instances by id, events newest first', async () => {
    const reg = await registry();
    const instance = await fake();
    for (const [service, id] of [['product-service', 'p2'], ['order-service', 'o1'], ['product-service', 'p1']] as const) {
      await reg.register(service, id, { host: '127.0.0.1', port: instance.port });
    }
    await waitFor('all passing', async () => (await reg.state('passing')).services.every((s) => s.instances.length > 0) && (await reg.state('passing')).services.length === 2);
    const state = await reg.state('passing');
    expect(state.services.map((s) => [s.service, s.instances.map((i: RegisteredInstance) => i.instance_id)])).toEqual([
      ['order-service', ['o1']],
      ['product-service', ['p1', 'p2']],
    ]);
    const registered = state.events.filter((e) => e.kind === 'registered').map((e) => e.instance_id);
    expect(registered).toEqual(['p1', 'o1', 'p2']);
    const times = state.events.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  test('When instances come and go, then metrics count them by service and status, events by kind, checks by outcome', async () => {
    const reg = await registry();
    const instance = await fake();
    const before = await scrapeMetrics(reg.url);
    await reg.register('payment-provider', 'm1', { host: '127.0.0.1', port: instance.port });
    await waitFor('passing', async () => (await reg.instances('payment-provider')).length === 1);
    instance.healthy = false;
    await waitFor('failing', async () => (await reg.instances('payment-provider', 'all'))[0]?.status === 'failing');
    const after = await scrapeMetrics(reg.url);
    expect(sampleSum(after, 'microshop_registry_instances', { service: 'payment-provider', status: 'failing' })).toBe(1);
    expect(sampleSum(after, 'microshop_registry_instances', { service: 'payment-provider', status: 'passing' })).toBe(0);
    expect(sampleDelta(before, after, 'microshop_registry_events_total', { kind: 'registered' })).toBe(1);
    expect(sampleDelta(before, after, 'microshop_registry_events_total', { kind: 'passing' })).toBe(1);
    expect(sampleDelta(before, after, 'microshop_registry_events_total', { kind: 'failing' })).toBe(1);
    expect(sampleDelta(before, after, 'microshop_registry_health_checks_total', { service: 'payment-provider', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sampleDelta(before, after, 'microshop_registry_health_checks_total', { service: 'payment-provider', outcome: 'bad_status' })).toBeGreaterThanOrEqual(1);
  });

  test('The registry answers its own /health and documents /v1 in its OpenAPI under the registry tag', async () => {
    const reg = await registry();
    expect((await request(reg.url, 'GET', '/health')).status).toBe(200);
    const { body } = await request<{ paths: Record<string, Record<string, { tags?: string[] }>> }>(reg.url, 'GET', '/openapi.json');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/v1/services', '/v1/services/{service}/instances', '/v1/services/{service}/instances/{instance_id}']));
    expect(body.paths['/v1/services']?.get?.tags).toEqual(['registry']);
  });
});
