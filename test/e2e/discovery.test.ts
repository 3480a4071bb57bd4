import { sampleSum } from '@microshop/chassis';
import type { GatewayHealth, Product, RegistryState, ServiceInstances, ServiceReplicas, SupervisedInstance, User } from '@microshop/contracts';
import { request, scrapeMetrics } from '@microshop/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { startLoad } from './support/load.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';
import { until } from './support/system.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests answered on the public API by one process (from its own /metrics). */
async function served(url: string, route: string, method: string): Promise<number> {
  return sampleSum(await scrapeMetrics(url), 'microshop_http_server_requests_total', { route, method });
}

async function seed(system: SupervisedSystem): Promise<{ user: User; product: Product }> {
  const user = await request<User>(system.url, 'POST', '/api/users', { name: 'Ada', email: 'ada@example.com' });
  const product = await request<Product>(system.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99, description: 'A laptop' });
  expect([user.status, product.status]).toEqual([201, 201]);
  return { user: user.body, product: product.body };
}

function registryInstances(system: SupervisedSystem, service: string, status: 'passing' | 'all' = 'passing'): Promise<ServiceInstances> {
  return request<ServiceInstances>(system.baseUrl('registry'), 'GET', `/v1/services/${service}/instances?status=${status}`, undefined, system.keys.headers('gateway', 'registry')).then((r) => r.body);
}

const instancesOf = (system: SupervisedSystem, service: string): SupervisedInstance[] => system.instances().filter((i) => i.service === service && i.state === 'running');
const urlOf = (instance: SupervisedInstance) => `http://127.0.0.1:${instance.port}`;

/**
 * Discovery, load balancing and scaling on real processes: the registry, the four services (some
 * with several replicas) and the gateway, under the real supervisor, on free ports. Nothing is faked.
 */
describe('Discovery, load balancing and independent scaling', () => {
  let system: SupervisedSystem | undefined;
  afterEach(async () => {
    await system?.stop();
    system = undefined;
  });

  test('When Order runs as 3 replicas under load, then each one takes a share within ±15 % of even', async () => {
    system = await startSupervisedSystem({ replicas: { 'order-service': 3 } });
    const s = system;
    const { user, product } = await seed(s);
    const orders = instancesOf(s, 'order-service');
    expect(orders).toHaveLength(3);
    await until('three Order instances registered', async () => (await registryInstances(s, 'order-service')).instances.length === 3, 5000);
    await until('the gateway sees three Order instances', async () => {
      const health = await request<GatewayHealth>(s.url, 'GET', '/health');
      return (health.body.services['order-service']?.instances?.length ?? 0) === 3;
    }, 5000);

    const body = { user_id: user.id, product_id: product.id, quantity: 1 };
    const warm = await startLoad({ baseUrl: s.url, next: () => ({ method: 'POST', path: '/api/orders', body }), concurrency: 4, maxRequests: 150 }).stop();
    expect(warm.failures).toEqual([]);

    const before = await Promise.all(orders.map((o) => served(urlOf(o), '/api/orders', 'POST')));
    const run = await waitForCount(startLoad({ baseUrl: s.url, next: () => ({ method: 'POST', path: '/api/orders', body }), concurrency: 6, maxRequests: 600 }), 600);
    const after = await Promise.all(orders.map((o) => served(urlOf(o), '/api/orders', 'POST')));
    const counts = after.map((n, i) => n - (before[i] ?? 0));
    const total = counts.reduce((a, b) => a + b, 0);
    const shares = counts.map((n) => n / total);
    console.log(`order creation over 3 Order replicas: ${counts.join(' / ')} of ${total} (shares ${shares.map((x) => x.toFixed(3)).join(', ')}), ${run.failures.length} failed`);
    expect(run.failures).toEqual([]);
    expect(total).toBe(600);
    for (const share of shares) {
      expect(share).toBeGreaterThanOrEqual((1 / 3) * 0.85);
      expect(share).toBeLessThanOrEqual((1 / 3) * 1.15);
    }
  });

  test('When 1 of 2 Product instances is killed under load, then ≤ 1 % of requests fail during failover, none after, and it leaves the registry within its TTL', async () => {
    system = await startSupervisedSystem({ replicas: { 'product-service': 2 } });
    const s = system;
    const { user, product } = await seed(s);
    await until('two Product instances registered', async () => (await registryInstances(s, 'product-service')).instances.length === 2, 5000);
    await sleep(1200); // every client has refreshed its list at least once

    const load = startLoad({
      baseUrl: s.url,
      next: (n) => (n % 2 === 0 ? { method: 'GET', path: `/api/products/${product.id}` } : { method: 'POST', path: '/api/orders', body: { user_id: user.id, product_id: product.id, quantity: 1 } }),
      concurrency: 6,
      maxRequests: 20_000,
    });
    await sleep(1500);
    const killedAt = load.elapsed();
    const killedWall = Date.now();
    s.supervisor.control('product-service-2', 'kill', 60);
    const gone = await until('product-service-2 evicted from the registry', async () => {
      const listed = await registryInstances(s, 'product-service', 'all');
      return listed.instances.every((i) => i.instance_id !== 'product-service-2') ? Date.now() : undefined;
    }, 10_000, 50);
    const ttlMs = (await registryInstances(s, 'product-service')).ttl_ms;
    await sleep(3000);
    const result = await load.stop();

    const ejectionWindowMs = 2000;
    const during = result.failures.filter((f) => f.atMs >= killedAt && f.atMs < killedAt + ejectionWindowMs);
    const after = result.failures.filter((f) => f.atMs >= killedAt + ejectionWindowMs);
    const sentDuring = during.length + result.okAt.filter((at) => at >= killedAt && at < killedAt + ejectionWindowMs).length;
    console.log(
      `kill 1 of 2 Product instances: ${result.sent} requests, ${result.failures.length} failed (${during.length} of ${sentDuring} in the ${ejectionWindowMs} ms after the kill, ${after.length} later); evicted ${gone - killedWall} ms after the kill (TTL ${ttlMs} ms)`,
    );
    expect(result.failures.filter((f) => f.atMs < killedAt)).toEqual([]);
    expect(during.length).toBeLessThanOrEqual(Math.floor(sentDuring * 0.01));
    expect(after).toEqual([]);
    expect(gone - killedWall).toBeLessThanOrEqual(ttlMs);
  });

  test('When the registry is killed, then calls keep flowing on the cached lists; when it is back, its state is rebuilt from heartbeats', async () => {
    system = await startSupervisedSystem({ replicas: { 'order-service': 2 } });
    const s = system;
    const { user, product } = await seed(s);
    const expected = await until('every instance registered', async () => {
      const state = await request<RegistryState>(s.baseUrl('registry'), 'GET', '/v1/services', undefined, s.keys.headers('gateway', 'registry'));
      const count = state.body.services.reduce((n, svc) => n + svc.instances.length, 0);
      return count === 7 ? count : undefined; // user, product, 2 × order, payment, payment-provider, gateway
    }, 5000);

    const load = startLoad({ baseUrl: s.url, next: () => ({ method: 'POST', path: '/api/orders', body: { user_id: user.id, product_id: product.id, quantity: 1 } }), concurrency: 4, maxRequests: 20_000 });
    await sleep(500);
    s.supervisor.control('registry', 'kill', 4);
    await sleep(1000);
    const health = await request<GatewayHealth>(s.url, 'GET', '/health');
    expect(health.body.discovery?.stale).toBe(true);
    const restartedAt = await until('the registry is back', async () => {
      const answer = await fetch(`${s.baseUrl('registry')}/health`).catch(() => undefined);
      return answer?.status === 200 ? Date.now() : undefined;
    }, 15_000, 50);
    const rebuilt = await until('every instance registered again', async () => {
      const state = await request<RegistryState>(s.baseUrl('registry'), 'GET', '/v1/services', undefined, s.keys.headers('gateway', 'registry'));
      return state.body.services.reduce((n, svc) => n + svc.instances.length, 0) === expected ? Date.now() : undefined;
    }, 10_000, 50);
    await sleep(500);
    const result = await load.stop();
    console.log(`registry killed for ~4 s: ${result.sent} orders, ${result.failures.length} failed; ${expected} instances registered again ${rebuilt - restartedAt} ms after the registry answered`);
    expect(result.failures).toEqual([]);
    expect(result.sent).toBeGreaterThan(50);
    expect(rebuilt - restartedAt).toBeLessThanOrEqual(3000);
  });

  test('When Order is scaled up under load, then the new instance takes traffic within 2 s of passing its health check; scaled down, it drains with zero failed requests', async () => {
    system = await startSupervisedSystem();
    const s = system;
    const { user, product } = await seed(s);
    const admin = { 'x-admin-token': s.adminToken };
    const load = startLoad({ baseUrl: s.url, next: () => ({ method: 'POST', path: '/api/orders', body: { user_id: user.id, product_id: product.id, quantity: 1 } }), concurrency: 4, maxRequests: 40_000 });
    await sleep(500);

    const up = await request<ServiceReplicas>(s.url, 'PUT', '/api/admin/services/order-service/replicas', { replicas: 2 }, admin);
    expect(up.status).toBe(200);
    const added = up.body.instances.find((i) => i.replica === 2);
    expect(added?.state).toBe('running');
    const passingAt = await until('order-service-2 passing in the registry', async () => {
      const state = await request<RegistryState>(s.baseUrl('registry'), 'GET', '/v1/services', undefined, s.keys.headers('gateway', 'registry'));
      const event = state.body.events.find((e) => e.instance_id === 'order-service-2' && e.kind === 'passing');
      return event ? Date.parse(event.at) : undefined;
    }, 5000, 20);
    const firstTrafficAt = await until('order-service-2 serving orders', async () => ((await served(`http://127.0.0.1:${added?.port ?? 0}`, '/api/orders', 'POST')) > 0 ? Date.now() : undefined), 5000, 20);
    console.log(`scale up: order-service-2 took its first order ${firstTrafficAt - passingAt} ms after passing its health check`);
    expect(firstTrafficAt - passingAt).toBeLessThanOrEqual(2000);

    await sleep(1000);
    const down = await request<ServiceReplicas>(s.url, 'PUT', '/api/admin/services/order-service/replicas', { replicas: 1 }, admin);
    expect(down.status).toBe(200);
    await until('order-service-2 gone', async () => !s.instances().some((i) => i.instance_id === 'order-service-2'), 10_000);
    await sleep(500);
    const result = await load.stop();
    console.log(`scale 1 → 2 → 1 under load: ${result.sent} orders, ${result.failures.length} failed`);
    expect(result.failures).toEqual([]);
    expect(result.sent).toBeGreaterThan(100);
  });
});

/** Waits for a bounded load run to send all its requests, then stops it. */
async function waitForCount(run: ReturnType<typeof startLoad>, count: number) {
  await until(`${count} requests sent`, async () => run.sent() >= count, 60_000, 50);
  return run.stop();
}
