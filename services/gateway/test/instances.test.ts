import type { Resolver, ServiceInstance } from '@microshop/chassis';
import { matchesContract } from '@microshop/chassis';
import { ADMIN_TOKEN_HEADER, GatewayHealth, Overview, type ChaosState } from '@microshop/contracts';
import { request, startFakeService, type FakeService } from '@microshop/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { callerAt, SCRAPE_MS, startGateway, until, type GatewayHarness } from './gateway-harness.js';

const ADMIN = 'instances-test-admin-token';
const ACTIVE: ChaosState = { active: true, latency_ms: 200, jitter_ms: 0, error_rate: 0, hang: false, expires_at: '2030-01-01T00:00:00.000Z', expires_in_s: 60 };

/** A resolver whose list the test changes, as the registry would. */
function listResolver(service: string, instances: ServiceInstance[]): { resolver: Resolver; set(next: ServiceInstance[]): void } {
  let list: readonly ServiceInstance[] = instances;
  return { resolver: { service, source: 'registry', instances: () => list }, set: (next) => (list = next) };
}



/**
 * A resolver for a service that registered after the gateway's last poll: the registry knows the
 * instance at `url`, the gateway's list does not yet; only `refresh()` brings it (and is counted).
 */
function registeredLate(url: string): { resolver: Resolver; refreshes(): number } {
  let list: readonly ServiceInstance[] = [];
  let refreshes = 0;
  const resolver: Resolver = {
    service: 'order-service',
    source: 'registry',
    instances: () => list,
    refresh: async () => {
      refreshes++;
      list = [{ id: 'order-service-1', url }];
    },
  };
  return { resolver, refreshes: () => refreshes };
}

const healthy = (pid: number) => () => ({ body: { status: 'ok', service: 'order-service', version: '0.1.0', pid, uptime_s: 3, checks: {} } });

let gw: GatewayHarness | undefined;
let replicas: FakeService[] = [];
afterEach(async () => {
  await gw?.close();
  await Promise.all(replicas.map((fake) => fake.close()));
  gw = undefined;
  replicas = [];
});

/** The gateway with the Order service as two fake instances, order-service-1 and order-service-2, behind a resolver. */
async function withTwoOrderInstances(options: Parameters<typeof startGateway>[0] = {}) {
  replicas = [await startFakeService(), await startFakeService()];
  const [one, two] = replicas as [FakeService, FakeService];
  const instances = [
    { id: 'order-service-1', url: one.url },
    { id: 'order-service-2', url: two.url },
  ];
  const list = listResolver('order-service', instances);
  gw = await startGateway(options, { 'order-service': list.resolver });
  return { gw, one, two, instances, list };
}

describe('Gateway: several instances of a service', () => {
  test('When a service has two instances, then forwarded requests are spread over both', async () => {
    const { gw, one, two } = await withTwoOrderInstances();
    for (const fake of [one, two]) fake.on('GET', '/api/orders/:id', (_call, { id }) => ({ body: { id: Number(id) } }));
    for (let i = 1; i <= 10; i++) expect((await request(gw.url, 'GET', `/api/orders/${i}`)).status).toBe(200);
    expect(one.calls.length).toBe(5);
    expect(two.calls.length).toBe(5);
  });

  test('When one of two instances is down, then /health says the service is degraded and lists both instances with their state', async () => {
    const { gw, one, two } = await withTwoOrderInstances();
    one.on('GET', '/health', healthy(8001));
    two.goDown();
    const { status, body } = await request<GatewayHealth>(gw.url, 'GET', '/health');
    expect(status).toBe(200);
    expect(matchesContract(GatewayHealth, body)).toBe(true);
    expect(body.status).toBe('degraded');
    const order = body.services['order-service'];
    expect(order).toMatchObject({ status: 'degraded', url: one.url, pid: 8001 });
    expect(order?.detail).toContain('order-service-2');
    expect(order?.instances).toEqual([
      expect.objectContaining({ id: 'order-service-1', url: one.url, status: 'ok', pid: 8001 }),
      expect.objectContaining({ id: 'order-service-2', url: two.url, status: 'down' }),
    ]);
    expect(body.discovery).toEqual({ registry: null, stale: false, last_refresh_at: null });
  });

  test('When both instances report traffic, then the overview gives each its share, and one that leaves the list shows as down', async () => {
    const { gw, one, two, instances, list } = await withTwoOrderInstances({ overviewScrapeMs: SCRAPE_MS });
    // Instance 1 answers three times the requests of instance 2.
    const counted = { [one.url]: 0, [two.url]: 0 };
    for (const [fake, step, pid] of [
      [one, 30, 8001],
      [two, 10, 8002],
    ] as const) {
      fake.on('GET', '/health', healthy(pid));
      fake.on('GET', '/metrics', () => {
        counted[fake.url] = (counted[fake.url] ?? 0) + step;
        const text = [
          '# TYPE microshop_http_server_requests_total counter',
          `microshop_http_server_requests_total{method="GET",route="/api/orders/:id",status_code="200"} ${counted[fake.url]}`,
          '',
        ].join('\n');
        return { headers: { 'content-type': 'text/plain; version=0.0.4' }, text };
      });
    }
    const overview = async () => (await request<Overview>(gw.url, 'GET', '/api/overview')).body;
    const orderOf = (o: Overview) => o.services.find((s) => s.name === 'order-service');
    const body = await until(overview, (o) => (orderOf(o)?.instances ?? []).every((i) => i.requests_per_s > 0));
    expect(matchesContract(Overview, body)).toBe(true);
    const order = orderOf(body);
    expect(order?.instances.map((i) => [i.id, i.status])).toEqual([
      ['order-service-1', 'ok'],
      ['order-service-2', 'ok'],
    ]);
    expect(order?.instances[0]?.share).toBeCloseTo(0.75, 1);
    expect(order?.instances[1]?.share).toBeCloseTo(0.25, 1);

    // Killed: it stops answering, then the registry drops it. It stays on show, down, for a while.
    two.goDown();
    await until(overview, (o) => orderOf(o)?.instances[1]?.status === 'down');
    list.set(instances.slice(0, 1));
    const after = await until(overview, (o) => orderOf(o)?.instances[1]?.detail?.includes('no longer listed') === true);
    const gone = orderOf(after)?.instances[1];
    expect(gone).toMatchObject({ id: 'order-service-2', status: 'down', pid: 8002 });
    expect(orderOf(after)?.status).toBe('degraded');
  });

  test('When an instance that answered until it left is no longer listed (scaled down, drained), then it leaves the overview at once', async () => {
    const { gw, one, two, list, instances } = await withTwoOrderInstances({ overviewScrapeMs: SCRAPE_MS });
    for (const [fake, pid] of [
      [one, 8001],
      [two, 8002],
    ] as const) fake.on('GET', '/health', healthy(pid));
    const overview = async () => (await request<Overview>(gw.url, 'GET', '/api/overview')).body;
    const idsOf = (o: Overview) => o.services.find((s) => s.name === 'order-service')?.instances.map((i) => `${i.id}:${i.status}`);
    const both = await until(overview, (o) => idsOf(o)?.join() === 'order-service-1:ok,order-service-2:ok');
    expect(idsOf(both)).toEqual(['order-service-1:ok', 'order-service-2:ok']);
    list.set(instances.slice(0, 1));
    const after = await until(overview, (o) => idsOf(o)?.length === 1);
    expect(idsOf(after)).toEqual(['order-service-1:ok']);
  });

  test('When a fault is set on a service with two instances, then every instance gets it; with ?instance= only that one', async () => {
    const { gw, one, two } = await withTwoOrderInstances({ adminToken: ADMIN });
    for (const fake of [one, two]) fake.on('PUT', '/internal/chaos', () => ({ body: ACTIVE }));
    const put = (query: string) =>
      fetch(`${gw.url}/api/admin/services/order-service/chaos${query}`, {
        method: 'PUT',
        headers: { [ADMIN_TOKEN_HEADER]: ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ latency_ms: 200 }),
      });
    const all = await put('');
    expect(all.status).toBe(200);
    expect(await all.json()).toEqual(ACTIVE);
    for (const fake of [one, two]) {
      expect(fake.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['PUT /internal/chaos']);
      expect(callerAt('order-service', fake.calls[0])).toBe('gateway');
    }

    expect((await put('?instance=order-service-2')).status).toBe(200);
    expect([one.calls.length, two.calls.length]).toEqual([1, 2]);
    const unknown = await put('?instance=order-service-9');
    expect(unknown.status).toBe(404);
    expect([one.calls.length, two.calls.length]).toEqual([1, 2]);
  });

  test('When a service registered after the gateway last looked, then an admin call asks discovery again and reaches it, rather than a 503', async () => {
    const [fake] = (replicas = [await startFakeService()]);
    fake!.on('PUT', '/internal/chaos', () => ({ body: ACTIVE }));
    const late = registeredLate(fake!.url);
    gw = await startGateway({ adminToken: ADMIN }, { 'order-service': late.resolver });
    const answer = await fetch(`${gw.url}/api/admin/services/order-service/chaos`, {
      method: 'PUT',
      headers: { [ADMIN_TOKEN_HEADER]: ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ latency_ms: 200 }),
    });
    expect(answer.status).toBe(200);
    expect(late.refreshes()).toBe(1);
    expect(fake!.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['PUT /internal/chaos']);
  });

  test('When a service registered after the gateway last looked, then /health asks discovery again and reports it ok, rather than unknown and the gateway degraded', async () => {
    const [fake] = (replicas = [await startFakeService()]);
    fake!.on('GET', '/health', healthy(8001));
    // What `npm start` meets: the registry lists the Order service as passing, the gateway's last poll did not.
    const late = registeredLate(fake!.url);
    gw = await startGateway({}, { 'order-service': late.resolver });
    for (const service of ['user-service', 'product-service', 'payment-service'] as const) {
      gw.fakes[service].on('GET', '/health', () => ({ body: { status: 'ok', service, version: '0.1.0', pid: 1, uptime_s: 1, checks: {} } }));
    }
    const { status, body } = await request<GatewayHealth>(gw.url, 'GET', '/health');
    expect(status).toBe(200);
    expect(body.services['order-service']).toMatchObject({ status: 'ok', pid: 8001, instances: [{ id: 'order-service-1', status: 'ok' }] });
    expect(body.status).toBe('ok');
    expect(late.refreshes()).toBe(1);

    // Once known, the list is read as it is: no second trip to discovery.
    await request<GatewayHealth>(gw.url, 'GET', '/health');
    expect(late.refreshes()).toBe(1);
  });
});
