import type { App, Discovery } from '@microshop/chassis';
import type { EventEnvelope, OutboxState, Problem } from '@microshop/contracts';
import { callerIn, createTestDatabase, DIALECTS, listenOnFreePort, request, startFakeService, testKeys, type FakeService, type TestDatabase } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { OrderTables } from '../src/data/tables.js';
import { startFakeSubscribers, type FakeSubscribers } from './fake-subscribers.js';

const keys = testKeys();
/** The status endpoint is the Payment service's. */
const fromPayments = () => keys.headers('payment-service', 'order-service');
/** The outbox is the gateway's (the operators'). */
const fromGateway = () => keys.headers('gateway', 'order-service');

/**
 * The Order service's events: each change of state writes its event in the same transaction
 * (OrderCreated on creation, OrderPaid and OrderCancelled on a status change), the relay publishes
 * them, and `/internal/events/outbox` shows the outbox.
 */
describe.each(DIALECTS)('Order events on %s', (dialect) => {
  let testDb: TestDatabase<OrderTables>;
  let users: FakeService;
  let products: FakeService;
  let subscribers: FakeSubscribers;
  let discovery: Discovery;
  let app: App;
  let url: string;

  const outbox = () => testDb.database.db.selectFrom('outbox').selectAll().orderBy('id').execute();
  const envelopes = async () => (await outbox()).map((row) => JSON.parse(row.envelope) as EventEnvelope);

  beforeAll(async () => {
    testDb = await createTestDatabase<OrderTables>(dialect, migrations);
    users = await startFakeService();
    users.on('GET', '/api/users/:id', (_call, { id }) => ({ body: { id: Number(id), name: 'Ann', email: 'ann@example.com', created_at: '2024-01-01T00:00:00.000Z' } }));
    // The subscribers of the Order service's events (EVENT_SUBSCRIPTIONS), where the relay delivers them.
    subscribers = await startFakeSubscribers(keys);
    ({ products, discovery } = subscribers);
    products.on('GET', '/api/products/:id', (_call, { id }) => ({ body: { id: Number(id), name: 'Laptop', price: 999.99, description: null, created_at: '2024-01-01T00:00:00.000Z' } }));
    app = await buildApp({ database: testDb.database, identity: keys.identity('order-service'), userService: users.url, productService: products.url, discovery, timeoutMs: 500, logLevel: false });
    url = await listenOnFreePort(app);
  });
  afterAll(async () => {
    await app.close();
    await subscribers.close();
    await users.close();
    await testDb.drop();
  });

  test('When an order is placed, then OrderCreated is in the outbox with the order, and the relay delivers it to the Product service', async () => {
    const placed = await request<{ id: number }>(url, 'POST', '/api/orders', { user_id: 1, product_id: 2, quantity: 3 });
    expect(placed.status).toBe(201);
    const [event] = await envelopes();
    expect(event).toMatchObject({ type: 'OrderCreated', version: 1, source: 'order-service', subject: `order/${placed.body.id}`, data: { order_id: placed.body.id, user_id: 1, product_id: 2, quantity: 3, total: 2999.97 } });
    await expect.poll(async () => (await outbox())[0]?.state, { timeout: 3000 }).toBe('published');
    expect(products.calls.filter((call) => call.method === 'POST')).toMatchObject([
      { path: '/internal/events', body: { id: event?.id, type: 'OrderCreated' } },
    ]);
    // With the Order service's own token for the Product service.
    expect(callerIn(keys.identity('product-service'), products.calls.find((call) => call.method === 'POST')?.headers ?? {})).toBe('order-service');
    // Payment does not consume OrderCreated.
    expect(subscribers.payments.calls).toEqual([]);
  });

  test('When an order is set PAID, then OrderPaid is recorded; a refused transition records nothing', async () => {
    const placed = await request<{ id: number }>(url, 'POST', '/api/orders', { user_id: 1, product_id: 2, quantity: 1 });
    const before = (await outbox()).length;
    expect((await request(url, 'PUT', `/api/orders/${placed.body.id}/status`, { status: 'PAID' }, fromPayments())).status).toBe(200);
    expect((await request(url, 'PUT', `/api/orders/${placed.body.id}/status`, { status: 'CANCELLED' }, fromPayments())).status).toBe(409);
    const added = (await envelopes()).slice(before);
    expect(added.map((e) => [e.type, e.data])).toEqual([['OrderPaid', { order_id: placed.body.id, total: 999.99 }]]);
  });

  test('When bad input is refused, then no event is recorded', async () => {
    const before = (await outbox()).length;
    expect((await request(url, 'POST', '/api/orders', { user_id: 1, product_id: 2, quantity: 0 })).status).toBe(400);
    expect((await outbox()).length).toBe(before);
  });

  test("When the outbox is asked for with the gateway's token, then it shows the backlog, the dead letters and the latest events; without a token, 401; with another service's, 403", async () => {
    expect((await request(url, 'GET', '/internal/events/outbox')).status).toBe(401);
    expect((await request(url, 'GET', '/internal/events/outbox', undefined, fromPayments())).status).toBe(403);
    const state = await request<OutboxState>(url, 'GET', '/internal/events/outbox', undefined, fromGateway());
    expect(state.status).toBe(200);
    expect(state.body).toMatchObject({ dead: 0, dead_letters: [] });
    expect(state.body.recent[0]?.type).toBe('OrderPaid');
    expect((await request(url, 'POST', '/internal/events/outbox/nope/retry', undefined, fromGateway())).status).toBe(404);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^microshop_outbox_pending \d+/m);
    expect(metrics).toMatch(/^microshop_outbox_lag_seconds [\d.]+/m);
  });

  test('When a PENDING order is cancelled, then 200 CANCELLED and OrderCancelled is recorded; again, 200 unchanged and nothing more; a PAID order cannot be cancelled (409); an unknown one is 404', async () => {
    const placed = await request<{ id: number }>(url, 'POST', '/api/orders', { user_id: 1, product_id: 2, quantity: 1 });
    const before = (await outbox()).length;
    const cancelled = await request<{ status: string }>(url, 'POST', `/api/orders/${placed.body.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'CANCELLED' } });
    expect((await request(url, 'POST', `/api/orders/${placed.body.id}/cancel`)).status).toBe(200);
    expect((await envelopes()).slice(before).map((e) => [e.type, e.data])).toEqual([['OrderCancelled', { order_id: placed.body.id, reason: 'cancelled' }]]);
    const paid = await request<{ id: number }>(url, 'POST', '/api/orders', { user_id: 1, product_id: 2, quantity: 1 });
    await request(url, 'PUT', `/api/orders/${paid.body.id}/status`, { status: 'PAID' }, fromPayments());
    const refused = await request<{ status: number; detail: string }>(url, 'POST', `/api/orders/${paid.body.id}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('PAID');
    expect((await request(url, 'POST', '/api/orders/999999/cancel')).status).toBe(404);
  });

  test.each([
    ['a status', { status: 'PAID' }, 'status'],
    ['a reason', { reason: 'payment_failed' }, 'reason'],
    ['a total', { total: 0.01 }, 'total'],
    ['a null body', null, 'body'],
    ['an array for a body', [], 'body'],
  ])('When a cancellation carries %s, then 400 naming it, the order stays PENDING and no event is written; with {} it is cancelled', async (_case, payload, field) => {
    const placed = await request<{ id: number }>(url, 'POST', '/api/orders', { user_id: 1, product_id: 2, quantity: 1 });
    const before = (await outbox()).length;
    const refused = await request<Problem>(url, 'POST', `/api/orders/${placed.body.id}/cancel`, payload);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 400, field });
    expect(await testDb.database.db.selectFrom('orders').select('status').where('id', '=', placed.body.id).executeTakeFirst()).toEqual({ status: 'PENDING' });
    expect(await outbox()).toHaveLength(before);
    expect(await request(url, 'POST', `/api/orders/${placed.body.id}/cancel`, {})).toMatchObject({ status: 200, body: { status: 'CANCELLED', cancel_reason: 'cancelled' } });
  });
});
