import { ADMIN_TOKEN_HEADER, type Order, type Payment, type Problem, type Product, type TrafficRun, type User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { startGateway, type GatewayHarness } from './gateway-harness.js';

const AT = '2024-05-01T10:00:00.000Z';
const ADMIN_TOKEN = 'traffic-test-admin-token-0001';
const admin = { [ADMIN_TOKEN_HEADER]: ADMIN_TOKEN };

/** A small deterministic source of randomness (a linear congruential generator). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** Fakes that behave like an empty shop: creates succeed with fresh ids, lists hold what was created. */
function serveEmptyShop(gw: GatewayHarness): { users: User[]; products: Product[]; orders: Order[]; payments: Payment[] } {
  const shop = { users: [] as User[], products: [] as Product[], orders: [] as Order[], payments: [] as Payment[] };
  const users = gw.fakes['user-service'];
  const products = gw.fakes['product-service'];
  const orders = gw.fakes['order-service'];
  const payments = gw.fakes['payment-service'];
  users.on('GET', '/api/users', () => ({ body: shop.users }));
  users.on('POST', '/api/users', (call) => {
    const user = { ...(call.body as Pick<User, 'name' | 'email'>), id: shop.users.length + 1, created_at: AT };
    shop.users.push(user);
    return { status: 201, body: user };
  });
  users.on('GET', '/api/users/:id', (_c, { id }) => ({ body: shop.users[Number(id) - 1] }));
  products.on('GET', '/api/products', () => ({ body: shop.products }));
  products.on('GET', '/api/products/:id', (_c, { id }) => ({ body: shop.products[Number(id) - 1] }));
  products.on('POST', '/api/products', (call) => {
    const product = { description: null, ...(call.body as Pick<Product, 'name' | 'price'>), id: shop.products.length + 1, created_at: AT };
    shop.products.push(product);
    return { status: 201, body: product };
  });
  orders.on('GET', '/api/orders', () => ({ body: shop.orders }));
  orders.on('GET', '/api/orders/:id', (_c, { id }) => ({ body: shop.orders[Number(id) - 1] }));
  orders.on('POST', '/api/orders', (call) => {
    const body = call.body as Pick<Order, 'user_id' | 'product_id' | 'quantity'>;
    const order: Order = { ...body, id: shop.orders.length + 1, total: 10 * body.quantity, status: 'PENDING', created_at: AT };
    shop.orders.push(order);
    return { status: 201, body: order };
  });
  payments.on('GET', '/api/payments', () => ({ body: shop.payments }));
  payments.on('POST', '/api/payments', (call) => {
    const orderId = (call.body as { order_id: number }).order_id;
    const payment: Payment = { id: shop.payments.length + 1, order_id: orderId, amount: 10, status: 'COMPLETED', created_at: AT };
    shop.payments.push(payment);
    return { status: 201, body: payment };
  });
  return shop;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntilSettled(gw: GatewayHarness): Promise<TrafficRun> {
  for (let i = 0; i < 100; i++) {
    const { body } = await request<TrafficRun>(gw.url, 'GET', '/api/traffic');
    if (body.state !== 'running' && body.in_flight === 0) return body;
    await sleep(100);
  }
  throw new Error('The traffic run did not end');
}

describe('Gateway: the traffic generator', () => {
  let gw: GatewayHarness;

  beforeEach(async () => {
    // No test here is about the call budget: the harness's short one (300 ms) would turn a loaded
    // machine's slow answers from the fakes into 503s, and the counts below into noise.
    gw = await startGateway({ traffic: { random: seeded(7) }, adminToken: ADMIN_TOKEN, callTimeoutMs: 5000 });
  });
  afterEach(async () => {
    await gw.close();
  });

  test.each([
    ['no admin credential', {}, 401],
    ['a wrong admin credential', { [ADMIN_TOKEN_HEADER]: 'traffic-test-admin-token-000X' }, 403],
  ])('When a run is started or stopped with %s, then it is refused (401 or 403) and nothing is sent', async (_name, headers, status) => {
    expect((await request(gw.url, 'POST', '/api/traffic', { rate: 5, duration_s: 5 }, headers)).status).toBe(status);
    expect((await request(gw.url, 'DELETE', '/api/traffic', undefined, headers)).status).toBe(status);
    expect((await request<TrafficRun>(gw.url, 'GET', '/api/traffic')).body.state).toBe('idle');
    expect(gw.allCalls()).toEqual([]);
  });

  test('When nothing has run, then GET /api/traffic says idle with zero counts', async () => {
    const { status, body } = await request<TrafficRun>(gw.url, 'GET', '/api/traffic');
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: 'idle', rate: 0, started_at: null, totals: { sent: 0, ok: 0, failed: 0 }, operations: {} });
    expect(gw.allCalls()).toEqual([]);
  });

  test('When a run of 40/s for 2 s is started, then 202, exactly 80 requests go through the public API, users and products are made first, orders are placed and paid', async () => {
    const shop = serveEmptyShop(gw);
    const postedAt = Date.now();
    const started = await request<TrafficRun>(gw.url, 'POST', '/api/traffic', { rate: 40, duration_s: 2 }, admin);
    const startedBy = Date.now();
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: 'running', rate: 40, duration_s: 2, ended_at: null });

    await sleep(900);
    const askedAt = Date.now();
    const midway = await request<TrafficRun>(gw.url, 'GET', '/api/traffic');
    const answeredBy = Date.now();
    // Progress is the run's elapsed time over its 2 s: at least what had surely passed when the
    // question was asked, at most what could have passed by the answer (a loaded machine slows both).
    expect(midway.body.progress).toBeGreaterThanOrEqual((askedAt - startedBy) / 2000 - 0.05);
    expect(midway.body.progress).toBeLessThanOrEqual((answeredBy - postedAt) / 2000 + 0.05);
    if (answeredBy - postedAt < 2000) expect(midway.body.state).toBe('running');

    const run = await waitUntilSettled(gw);
    expect(run).toMatchObject({ state: 'completed', progress: 1, elapsed_s: 2, skipped: 0, last_error: null, totals: { sent: 80, ok: 80, failed: 0 } });
    expect(Object.keys(run.operations).sort()).toEqual(['list_orders', 'list_products', 'pay_order', 'place_order', 'seed', 'view_order', 'view_product']);

    const calls = gw.allCalls();
    // It looks first, then makes three users and three products, then shops.
    const first = (service: 'user-service' | 'product-service') => gw.fakes[service].calls[0];
    expect(first('user-service')).toMatchObject({ method: 'GET', path: '/api/users' });
    expect(first('user-service')?.query.get('limit')).toBe('100');
    expect(first('product-service')).toMatchObject({ method: 'GET', path: '/api/products' });
    expect(shop.users).toHaveLength(3);
    expect(shop.products).toHaveLength(3);
    expect(shop.orders.length).toBe(run.operations.place_order?.ok);
    expect(shop.payments.length).toBe(run.operations.pay_order?.ok);
    expect(shop.payments.length).toBeLessThanOrEqual(shop.orders.length);
    expect(new Set(shop.payments.map((p) => p.order_id)).size).toBe(shop.payments.length);
    // The composed order view is the gateway's own: the Order service saw the gateway ask for each order viewed.
    expect(run.operations.view_order?.ok).toBeGreaterThan(0);
    expect(calls.filter((c) => /^GET \/api\/orders\/\d+$/.test(c))).toHaveLength(run.operations.view_order?.ok ?? -1);
  });

  test('When a run is going, then starting another is 409, and DELETE stops it early with no more requests after', async () => {
    serveEmptyShop(gw);
    expect((await request(gw.url, 'POST', '/api/traffic', { rate: 20, duration_s: 60 }, admin)).status).toBe(202);
    await sleep(300);
    const again = await request<Problem>(gw.url, 'POST', '/api/traffic', { rate: 5, duration_s: 5 }, admin);
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain('already');

    const stopped = await request<TrafficRun>(gw.url, 'DELETE', '/api/traffic', undefined, admin);
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).toBe('stopped');
    expect(stopped.body.ended_at).toEqual(expect.any(String));
    const settled = await waitUntilSettled(gw);
    const callsAtStop = gw.allCalls().length;
    await sleep(300);
    expect(gw.allCalls()).toHaveLength(callsAtStop);
    expect(settled.totals.sent).toBeGreaterThan(0);
    expect(settled.totals.sent).toBeLessThan(20);
    expect(settled.progress).toBeLessThan(0.1);

    // A new run may start once the last one is stopped.
    expect((await request(gw.url, 'POST', '/api/traffic', { rate: 1, duration_s: 1 }, admin)).status).toBe(202);
  });

  test('When a service fails, then its requests count as failed with the last error named, and the run goes on', async () => {
    serveEmptyShop(gw);
    gw.fakes['order-service'].on('POST', '/api/orders', () => ({
      status: 503,
      body: { type: '/problems/service-unavailable', title: 'Service unavailable', status: 503, detail: 'product-service is unreachable', service: 'product-service' },
    }));
    await request(gw.url, 'POST', '/api/traffic', { rate: 50, duration_s: 1 }, admin);
    const run = await waitUntilSettled(gw);
    expect(run.state).toBe('completed');
    expect(run.totals.sent).toBe(50);
    expect(run.operations.place_order?.failed).toBeGreaterThan(0);
    expect(run.operations.place_order?.ok).toBe(0);
    expect(run.operations.pay_order).toBeUndefined();
    expect(run.totals.failed).toBe(run.operations.place_order?.failed);
    expect(run.last_error).toBe('POST /api/orders → 503');
  });

  test.each([
    [{ rate: 0, duration_s: 10 }, 'rate'],
    [{ rate: 51, duration_s: 10 }, 'rate'],
    [{ rate: 2.5, duration_s: 10 }, 'rate'],
    [{ rate: 10, duration_s: 0 }, 'duration_s'],
    [{ rate: 10, duration_s: 301 }, 'duration_s'],
    [{ rate: 10 }, 'duration_s'],
    [{ rate: 10, duration_s: 10, target: 'http://example.com' }, 'target'],
  ])('When a run is asked with %j, then 400 naming %s, and no request is sent', async (body, field) => {
    const answer = await request<Problem>(gw.url, 'POST', '/api/traffic', body, admin);
    expect(answer.status).toBe(400);
    expect(answer.body.field).toBe(field);
    await sleep(100);
    expect(gw.allCalls()).toEqual([]);
    expect((await request<TrafficRun>(gw.url, 'GET', '/api/traffic')).body.state).toBe('idle');
  });
});
