import { ADMIN_TOKEN_HEADER, type GatewayHealth, type Order, type Payment, type Product, type User } from '@microshop/contracts';
import { parseExposition } from '@microshop/chassis';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';
import { waitFor } from './support/system.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** True when nothing answers at `url` (connection refused or reset). */
const unreachable = async (url: string): Promise<boolean> =>
  fetch(url, { signal: AbortSignal.timeout(1000) }).then(
    () => false,
    () => true,
  );

/** The requests a module's own `/metrics` counts, as `METHOD route` strings. */
async function countedRoutes(baseUrl: string): Promise<Set<string>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const samples = parseExposition(text).filter((sample) => sample.name === 'microshop_http_server_requests_total');
  return new Set(samples.map((sample) => `${sample.labels.method} ${sample.labels.route}`));
}

/**
 * The modular monolith (`npm start -- --monolith`) on real processes under the supervisor code:
 * every module and the gateway in one process, beside the payment provider. The same code as the
 * microservices, called in-process; and the other side of fault isolation: one crash takes
 * everything (compare test/e2e/chaos.test.ts, where Payment dies alone).
 */
describe('The modular monolith: one process, the same modules', () => {
  let system: SupervisedSystem;
  let user: User;
  let product: Product;

  beforeAll(async () => {
    system = await startSupervisedSystem({ monolith: true });
    user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Mono', email: 'mono@example.com' })).body;
    product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  });

  test('When the monolith runs, then two processes run (monolith and provider), and every module answers from the one process, reached in-process', async () => {
    expect(system.instances().map((instance) => instance.instance_id).sort()).toEqual(['monolith-1', 'payment-provider-1']);
    const health = (await request<GatewayHealth>(system.url, 'GET', '/health')).body;
    const monolithPid = system.instances().find((instance) => instance.instance_id === 'monolith-1')?.pid;
    expect(health.pid).toBe(monolithPid);
    for (const service of ['user-service', 'product-service', 'order-service', 'payment-service'] as const) {
      expect(health.services[service]?.status).toBe('ok');
      expect(health.services[service]?.pid).toBe(monolithPid);
      expect(health.services[service]?.instances?.map((instance) => instance.url)).toEqual([`inproc://${service}`]);
    }
  });

  test("When the spec's order is placed and paid through the gateway, then 999.99 × 3 = 2999.97, COMPLETED, and the order is PAID", async () => {
    const order = await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 3 });
    expect(order.status).toBe(201);
    expect(order.body.total).toBe(2999.97);
    const payment = await request<Payment>(system.url, 'POST', '/api/payments', { order_id: order.body.id });
    expect(payment.status).toBe(201);
    expect(payment.body).toMatchObject({ amount: 2999.97, status: 'COMPLETED' });
    expect((await request<Order>(system.url, 'GET', `/api/orders/${order.body.id}`)).body.status).toBe('PAID');
  });

  test("When requests go through the gateway, then each module's own /metrics counts only its own routes, as a process of its own would", async () => {
    await request(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 1 });
    const orderRoutes = await countedRoutes(system.baseUrl('order-service'));
    const userRoutes = await countedRoutes(system.baseUrl('user-service'));
    expect(orderRoutes.has('POST /api/orders')).toBe(true);
    expect(userRoutes.has('POST /api/orders')).toBe(false);
    expect(userRoutes.has('GET /api/users/:id')).toBe(true);
    expect(orderRoutes.has('GET /api/users/:id')).toBe(false);
  });

  test('When one module is killed (Payment), then everything goes down with it, the supervisor starts it again, and the data is still there', async () => {
    const killedAt = Date.now();
    // Straight to the supervisor: the gateway that would forward the request dies with the rest.
    const killed = await request<{ instance_id: string; pid: number }>(system.controlUrl, 'POST', '/processes/payment-service', { action: 'kill', for_s: 3 }, { [ADMIN_TOKEN_HEADER]: system.adminToken });
    expect(killed.status).toBe(200);
    expect(killed.body.instance_id).toBe('monolith-1');
    await waitFor(() => unreachable(`${system.url}/health`), 5000);
    // Not only payments: users, products, orders and every module's own port are gone too.
    const down = await Promise.all([`${system.url}/api/users`, `${system.url}/api/products`, `${system.url}/api/orders`, `${system.baseUrl('user-service')}/health`, `${system.baseUrl('product-service')}/health`].map(unreachable));
    expect(down).toEqual([true, true, true, true, true]);

    await waitFor(async () => (await fetch(`${system.url}/health`).catch(() => undefined))?.status === 200, 30_000, 200);
    const downtimeMs = Date.now() - killedAt;
    console.log(`monolith: Payment killed → every route down for ${(downtimeMs / 1000).toFixed(1)} s (3 s before the restart, then the start-up of all five modules)`);
    expect((await request<User>(system.url, 'GET', `/api/users/${user.id}`)).body.email).toBe('mono@example.com');
    await sleep(100);
  }, 60_000);
});
