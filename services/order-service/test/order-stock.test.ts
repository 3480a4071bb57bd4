import { randomUUID } from 'node:crypto';
import { resetTestPoints, type App, type Discovery } from '@microshop/chassis';
import { SERVICE_TOKEN_HEADER, type EventData, type EventEnvelope, type EventType, type Order, type Problem, type Product, type User } from '@microshop/contracts';
import { createTestDatabase, DIALECTS, listenOnFreePort, request, startFakeService, testKeys, type FakeService, type TestDatabase } from '@microshop/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildApp, type OrderAppOptions } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { OrderTables } from '../src/data/tables.js';
import { startFakeSubscribers, type FakeSubscribers } from './fake-subscribers.js';

const keys = testKeys();
/** Stock events come from the Product service, with its token for the Order service. */
const fromProducts = () => keys.headers('product-service', 'order-service');
/** The status endpoint is the Payment service's. */
const fromPayments = () => keys.headers('payment-service', 'order-service');
/** The test hooks are the gateway's (the operators'). */
const fromGateway = () => keys.headers('gateway', 'order-service');
const PLACED_AT = new Date('2024-05-01T10:00:00.000Z');
const EXPIRY_MS = 60_000;
const CREATED_AT = '2024-01-01T00:00:00.000Z';
/** Product 2 is the spec's laptop, without tracked stock; product 5 has 10 in stock. */
const UNLIMITED = 2;
const STOCKED = 5;

const userOf = (id: number): User => ({ id, name: `User ${id}`, email: `user${id}@example.com`, created_at: CREATED_AT });
const catalogue: Record<number, Product> = {
  [UNLIMITED]: { id: UNLIMITED, name: 'Laptop', price: 999.99, description: null, created_at: CREATED_AT },
  [STOCKED]: { id: STOCKED, name: 'Lamp', price: 20, description: null, stock: 10, created_at: CREATED_AT },
};

/** An event as the Product service's relay delivers it. */
function productEvent<T extends EventType>(type: T, data: EventData<T> & { order_id: number }): EventEnvelope {
  return { id: randomUUID(), type, version: 1, source: 'product-service', subject: `order/${data.order_id}`, occurred_at: new Date().toISOString(), data };
}

/**
 * Orders for products with stock: placed AWAITING their reservation, told by the Product service's
 * events whether they got it (StockReserved, or StockRejected which cancels them), paid only once
 * it is confirmed, and cancelled with their reason when they expire unpaid. The Product and Payment
 * services are faked: they serve the catalogue and take the events the relay delivers.
 */
describe.each(DIALECTS)('Orders with stock on %s', (dialect) => {
  let testDb: TestDatabase<OrderTables>;
  let users: FakeService;
  let products: FakeService;
  let payments: FakeService;
  let subscribers: FakeSubscribers;
  let discovery: Discovery;
  let app: App;
  let url: string;
  /** The Order service's clock: tests move it to make orders expire. */
  let clock: Date;

  const startApp = async (options: Partial<OrderAppOptions> = {}) => {
    const started = await buildApp({
      database: testDb.database,
      identity: keys.identity('order-service'),
      userService: users.url,
      productService: products.url,
      discovery,
      timeoutMs: 500,
      logLevel: false,
      now: () => clock,
      orderExpiryMs: EXPIRY_MS,
      expirySweepMs: 50,
      testHooks: false,
      ...options,
    });
    return { app: started, url: await listenOnFreePort(started) };
  };
  const placeOrder = <T = Order>(product_id: number, quantity: number) => request<T>(url, 'POST', '/api/orders', { user_id: 1, product_id, quantity });
  const getOrder = async (id: number) => (await request<Order>(url, 'GET', `/api/orders/${id}`)).body;
  const findRow = (id: number) => testDb.database.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const deliver = (event: EventEnvelope, headers: Record<string, string> = fromProducts()) => request<{ result: string }>(url, 'POST', '/internal/events', event, headers);
  const setStatus = <T = Order>(id: number, body: unknown) => request<T>(url, 'PUT', `/api/orders/${id}/status`, body, fromPayments());
  /** The events recorded about one order, oldest first: type and data. */
  const eventsAbout = async (orderId: number) => {
    const rows = await testDb.database.db.selectFrom('outbox').selectAll().where('subject', '=', `order/${orderId}`).orderBy('id').execute();
    return rows.map((row) => JSON.parse(row.envelope) as EventEnvelope).map((e) => [e.type, e.data]);
  };
  const reserved = (order: Order) => deliver(productEvent('StockReserved', { order_id: order.id, product_id: order.product_id, quantity: order.quantity }));
  const rejected = (order: Order, available = 0) => deliver(productEvent('StockRejected', { order_id: order.id, product_id: order.product_id, quantity: order.quantity, available }));

  beforeAll(async () => {
    testDb = await createTestDatabase<OrderTables>(dialect, migrations);
    users = await startFakeService();
    users.on('GET', '/api/users/:id', (_call, { id }) => ({ body: userOf(Number(id)) }));
    subscribers = await startFakeSubscribers(keys);
    ({ products, payments, discovery } = subscribers);
    products.on('GET', '/api/products/:id', (_call, { id }) => {
      const product = catalogue[Number(id)];
      return product ? { body: product } : { status: 404, body: { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'No such product' } };
    });
  });
  beforeEach(async () => {
    clock = PLACED_AT;
    ({ app, url } = await startApp());
  });
  afterEach(async () => {
    await app.close();
  });
  afterAll(async () => {
    await subscribers.close();
    await users.close();
    await testDb.drop();
  });

  describe('Placing an order', () => {
    test('When an order is placed for a product with stock, then 201 AWAITING its reservation, with an expiry, and OrderCreated tells the Product service', async () => {
      const { status, body } = await placeOrder(STOCKED, 2);
      expect(status).toBe(201);
      const expiresAt = new Date(PLACED_AT.getTime() + EXPIRY_MS).toISOString();
      expect(body).toEqual({ id: expect.any(Number), user_id: 1, product_id: STOCKED, quantity: 2, total: 40, status: 'PENDING', created_at: PLACED_AT.toISOString(), stock: 'AWAITING', expires_at: expiresAt });
      expect(await findRow(body.id)).toMatchObject({ status: 'PENDING', stock_status: 'AWAITING', expires_at: expiresAt, cancel_reason: null });
      expect(await eventsAbout(body.id)).toEqual([['OrderCreated', { order_id: body.id, user_id: 1, product_id: STOCKED, quantity: 2, total: 40 }]]);
      await expect
        .poll(() => products.calls.find((call) => call.method === 'POST' && (call.body as EventEnvelope).subject === `order/${body.id}`), { timeout: 3000 })
        .toMatchObject({ path: '/internal/events', body: { type: 'OrderCreated', source: 'order-service' } });
    });

    test("When the spec's order is placed (no stock tracked), then it has no stock, no expiry and no cancel reason in its answer", async () => {
      const { status, body } = await placeOrder(UNLIMITED, 3);
      expect(status).toBe(201);
      expect(Object.keys(body).sort()).toEqual(['created_at', 'id', 'product_id', 'quantity', 'status', 'total', 'user_id']);
      expect(await findRow(body.id)).toMatchObject({ stock_status: null, expires_at: null, cancel_reason: null });
    });

    test('When more is ordered than the product has in stock, then 409 naming quantity, and nothing is stored or announced', async () => {
      const before = await testDb.database.db.selectFrom('orders').select('id').execute();
      const outboxBefore = await testDb.database.db.selectFrom('outbox').select('id').execute();
      const { status, headers, body } = await placeOrder<Problem>(STOCKED, 11);
      expect(status).toBe(409);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 409, field: 'quantity' });
      expect(body.detail).toContain('10');
      expect(await testDb.database.db.selectFrom('orders').select('id').execute()).toHaveLength(before.length);
      expect(await testDb.database.db.selectFrom('outbox').select('id').execute()).toHaveLength(outboxBefore.length);
    });
  });

  describe("The Product service's answer", () => {
    test('When StockReserved arrives, then the order is RESERVED, still PENDING, and nothing is published; delivered again, it is a duplicate', async () => {
      const order = (await placeOrder(STOCKED, 2)).body;
      const event = productEvent('StockReserved', { order_id: order.id, product_id: STOCKED, quantity: 2 });
      expect(await deliver(event)).toMatchObject({ status: 200, body: { result: 'applied' } });
      expect(await deliver(event)).toMatchObject({ status: 200, body: { result: 'duplicate' } });
      expect(await getOrder(order.id)).toEqual({ ...order, stock: 'RESERVED' });
      expect((await eventsAbout(order.id)).map(([type]) => type)).toEqual(['OrderCreated']);
    });

    test('When StockRejected arrives, then the order is CANCELLED for out_of_stock, and OrderCancelled is recorded with it and delivered to its subscribers', async () => {
      const order = (await placeOrder(STOCKED, 2)).body;
      expect(await rejected(order, 1)).toMatchObject({ status: 200, body: { result: 'applied' } });

      const after = await getOrder(order.id);
      expect(after).toEqual({ ...order, status: 'CANCELLED', stock: 'REJECTED', cancel_reason: 'out_of_stock' });
      expect(await eventsAbout(order.id)).toEqual([
        ['OrderCreated', { order_id: order.id, user_id: 1, product_id: STOCKED, quantity: 2, total: 40 }],
        ['OrderCancelled', { order_id: order.id, reason: 'out_of_stock' }],
      ]);
      for (const subscriber of [products, payments]) {
        await expect
          .poll(() => subscriber.calls.find((call) => (call.body as EventEnvelope | undefined)?.type === 'OrderCancelled' && (call.body as EventEnvelope).subject === `order/${order.id}`), { timeout: 3000 })
          .toMatchObject({ body: { data: { order_id: order.id, reason: 'out_of_stock' } } });
      }
    });

    test('When StockRejected arrives for an order its buyer already cancelled, then the answer is recorded and the cancellation stands, with its own reason', async () => {
      const order = (await placeOrder(STOCKED, 2)).body;
      expect((await request(url, 'POST', `/api/orders/${order.id}/cancel`)).status).toBe(200);
      await rejected(order);
      expect(await getOrder(order.id)).toEqual({ ...order, status: 'CANCELLED', stock: 'REJECTED', cancel_reason: 'cancelled' });
      expect((await eventsAbout(order.id)).map(([type, data]) => [type, (data as { reason?: string }).reason])).toEqual([
        ['OrderCreated', undefined],
        ['OrderCancelled', 'cancelled'],
      ]);
    });

    test('When an answer arrives for an order that is not awaiting one (already answered, or unknown), then nothing changes', async () => {
      const order = (await placeOrder(STOCKED, 2)).body;
      await reserved(order);
      await rejected(order);
      expect(await getOrder(order.id)).toEqual({ ...order, stock: 'RESERVED' });
      expect(await deliver(productEvent('StockRejected', { order_id: 999_999, product_id: STOCKED, quantity: 1, available: 0 }))).toMatchObject({ status: 200, body: { result: 'applied' } });
      expect((await eventsAbout(order.id)).map(([type]) => type)).toEqual(['OrderCreated']);
    });

    test("When an event is delivered without a service token, or with one of a service that did not publish it, then 401 or 403 and the order is unchanged", async () => {
      const order = (await placeOrder(STOCKED, 2)).body;
      const event = productEvent('StockRejected', { order_id: order.id, product_id: STOCKED, quantity: 2, available: 0 });
      expect((await deliver(event, {})).status).toBe(401);
      expect((await deliver(event, { [SERVICE_TOKEN_HEADER]: keys.token('product-service', 'order-service', { ageS: 120 }) })).status).toBe(401);
      expect((await deliver(event, keys.headers('payment-service', 'order-service'))).status).toBe(403);
      expect(await getOrder(order.id)).toEqual(order);
    });
  });

  describe('Paying and cancelling', () => {
    test('When an order AWAITING its stock is set PAID, then 409 naming status and saying the stock is not confirmed; once RESERVED, it can be paid', async () => {
      const order = (await placeOrder(STOCKED, 2)).body;
      const refused = await setStatus<Problem>(order.id, { status: 'PAID' });
      expect(refused).toMatchObject({ status: 409, body: { field: 'status' } });
      expect(refused.body.detail).toMatch(/stock is not confirmed/);
      expect(await getOrder(order.id)).toEqual(order);

      await reserved(order);
      expect(await setStatus(order.id, { status: 'PAID' })).toMatchObject({ status: 200, body: { status: 'PAID', stock: 'RESERVED' } });
      expect((await eventsAbout(order.id)).map(([type]) => type)).toEqual(['OrderCreated', 'OrderPaid']);
    });

    test('When a rejected order is set PAID, then 409 naming status', async () => {
      const order = (await placeOrder(STOCKED, 2)).body;
      await rejected(order);
      expect(await setStatus<Problem>(order.id, { status: 'PAID' })).toMatchObject({ status: 409, body: { field: 'status' } });
    });

    test('When an order is cancelled with a reason, then the reason is stored, shown and carried by OrderCancelled; without one, it is `cancelled`', async () => {
      const failed = (await placeOrder(STOCKED, 1)).body;
      expect(await setStatus(failed.id, { status: 'CANCELLED', reason: 'payment_failed' })).toMatchObject({ status: 200, body: { status: 'CANCELLED', cancel_reason: 'payment_failed' } });
      expect((await findRow(failed.id)).cancel_reason).toBe('payment_failed');
      expect((await eventsAbout(failed.id)).at(-1)).toEqual(['OrderCancelled', { order_id: failed.id, reason: 'payment_failed' }]);
      // Cancelled again with another reason: 200 unchanged, the first reason stays.
      expect(await setStatus(failed.id, { status: 'CANCELLED', reason: 'expired' })).toMatchObject({ status: 200, body: { cancel_reason: 'payment_failed' } });

      const plain = (await placeOrder(UNLIMITED, 1)).body;
      expect(await setStatus(plain.id, { status: 'CANCELLED' })).toMatchObject({ status: 200, body: { cancel_reason: 'cancelled' } });
      const byBuyer = (await placeOrder(UNLIMITED, 1)).body;
      expect(await request(url, 'POST', `/api/orders/${byBuyer.id}/cancel`)).toMatchObject({ status: 200, body: { cancel_reason: 'cancelled' } });
    });

    test.each([
      ['a reason with PAID', { status: 'PAID', reason: 'cancelled' }, 'reason'],
      ['an unknown reason', { status: 'CANCELLED', reason: 'bored' }, 'reason'],
    ])('When the status body has %s, then 400 naming the field, and the order is unchanged', async (_case, payload, field) => {
      const order = (await placeOrder(UNLIMITED, 1)).body;
      expect(await setStatus<Problem>(order.id, payload)).toMatchObject({ status: 400, body: { field } });
      expect(await getOrder(order.id)).toEqual(order);
    });
  });

  describe('Expiry', () => {
    test('When an unpaid order holding stock passes its expiry, then the sweeper cancels it (reason expired, OrderCancelled); a spec order, a paid one and one not yet expired are left alone', async () => {
      const expiring = (await placeOrder(STOCKED, 2)).body;
      const held = (await placeOrder(STOCKED, 1)).body;
      await reserved(held);
      const paid = (await placeOrder(STOCKED, 1)).body;
      await reserved(paid);
      await setStatus(paid.id, { status: 'PAID' });
      const spec = (await placeOrder(UNLIMITED, 1)).body;
      clock = new Date(PLACED_AT.getTime() + EXPIRY_MS / 2);
      const younger = (await placeOrder(STOCKED, 1)).body;

      clock = new Date(PLACED_AT.getTime() + EXPIRY_MS + 1);
      await expect.poll(async () => (await getOrder(expiring.id)).status, { timeout: 3000, interval: 25 }).toBe('CANCELLED');
      await expect.poll(async () => (await getOrder(held.id)).status, { timeout: 3000, interval: 25 }).toBe('CANCELLED');

      expect(await getOrder(expiring.id)).toEqual({ ...expiring, status: 'CANCELLED', cancel_reason: 'expired' });
      expect(await getOrder(held.id)).toEqual({ ...held, status: 'CANCELLED', stock: 'RESERVED', cancel_reason: 'expired' });
      expect((await eventsAbout(held.id)).filter(([type]) => type === 'OrderCancelled')).toEqual([['OrderCancelled', { order_id: held.id, reason: 'expired' }]]);
      expect((await getOrder(paid.id)).status).toBe('PAID');
      expect(await getOrder(spec.id)).toEqual(spec);
      expect(await getOrder(younger.id)).toEqual(younger);

      // Years later, the spec's order still has not expired: it holds no stock, so it has no expiry.
      clock = new Date(PLACED_AT.getTime() + 10 * 365 * 24 * 3600_000);
      await expect.poll(async () => (await getOrder(younger.id)).status, { timeout: 3000, interval: 25 }).toBe('CANCELLED');
      expect(await getOrder(spec.id)).toEqual(spec);
    });

    test('When two replicas sweep the same expired orders, then each is cancelled once, with one OrderCancelled', async () => {
      const orders = await Promise.all([1, 2, 3].map(async () => (await placeOrder(STOCKED, 1)).body));
      const replica = await startApp();
      try {
        clock = new Date(PLACED_AT.getTime() + EXPIRY_MS + 1);
        for (const order of orders) await expect.poll(async () => (await getOrder(order.id)).status, { timeout: 3000, interval: 25 }).toBe('CANCELLED');
        // A few more sweeps by both.
        await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        await replica.app.close();
      }
      for (const order of orders) expect((await eventsAbout(order.id)).filter(([type]) => type === 'OrderCancelled')).toHaveLength(1);
    });
  });

  describe('Test hooks', () => {
    afterEach(() => {
      resetTestPoints();
    });

    test('When test hooks are off (the default without MICROSHOP_TEST_HOOKS=1), then no fault can be armed and setting PAID works', async () => {
      expect((await request(url, 'POST', '/internal/test/fault', { point: 'order.status.paid' }, fromGateway())).status).toBe(404);
      const order = (await placeOrder(UNLIMITED, 1)).body;
      expect(await setStatus(order.id, { status: 'PAID' })).toMatchObject({ status: 200, body: { status: 'PAID' } });
    });

    test('When test hooks are on and the PAID fault point is armed, then setting PAID is a 5xx and changes nothing, while CANCELLED still works; disarmed, PAID works again', async () => {
      const hooked = await startApp({ testHooks: true });
      try {
        const points = await request<{ points: string[] }>(hooked.url, 'GET', '/internal/test/points', undefined, fromGateway());
        expect(points.body.points).toEqual(expect.arrayContaining(['order.status.after_write', 'order.status.paid']));
        expect((await request(hooked.url, 'POST', '/internal/test/fault', { point: 'order.status.paid' }, {})).status).toBe(401);
        expect((await request(hooked.url, 'POST', '/internal/test/fault', { point: 'order.status.paid' }, fromPayments())).status).toBe(403);
        expect((await request(hooked.url, 'POST', '/internal/test/fault', { point: 'order.status.nope' }, fromGateway())).status).toBe(422);
        expect((await request(hooked.url, 'POST', '/internal/test/fault', { point: 'order.status.paid', status: 503 }, fromGateway())).status).toBe(200);

        const unpaid = (await placeOrder(UNLIMITED, 1)).body;
        for (let attempt = 0; attempt < 3; attempt++) {
          expect(await request<Problem>(hooked.url, 'PUT', `/api/orders/${unpaid.id}/status`, { status: 'PAID' }, fromPayments())).toMatchObject({ status: 503 });
        }
        expect(await getOrder(unpaid.id)).toEqual(unpaid);
        expect(await request(hooked.url, 'PUT', `/api/orders/${unpaid.id}/status`, { status: 'CANCELLED', reason: 'payment_failed' }, fromPayments())).toMatchObject({
          status: 200,
          body: { status: 'CANCELLED', cancel_reason: 'payment_failed' },
        });

        expect((await request(hooked.url, 'DELETE', '/internal/test/fault', undefined, fromGateway())).status).toBe(200);
        const later = (await placeOrder(UNLIMITED, 1)).body;
        expect(await request(hooked.url, 'PUT', `/api/orders/${later.id}/status`, { status: 'PAID' }, fromPayments())).toMatchObject({ status: 200, body: { status: 'PAID' } });
      } finally {
        await hooked.app.close();
      }
    });
  });
});
