import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDiscovery, type App, type Discovery } from '@microshop/chassis';
import { MAX_STOCK, SERVICE_TOKEN_HEADER, type EventData, type EventEnvelope, type EventType, type Problem, type Product, type StockLedger } from '@microshop/contracts';
import { callerIn, createTestDatabase, DIALECTS, listenOnFreePort, request, startFakeService, testKeys, type FakeService, type TestDatabase } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { ProductTables } from '../src/data/tables.js';

const keys = testKeys();
/** Events come from the Order service, with its token for Product. */
const fromOrders = () => keys.headers('order-service', 'product-service');
/** The ledger and the outbox are read by the gateway. */
const fromGateway = () => keys.headers('gateway', 'product-service');

/** An event as the Order service's relay delivers it. */
function orderEvent<T extends EventType>(type: T, data: EventData<T> & { order_id: number }, id: string = randomUUID()): EventEnvelope {
  return { id, type, version: 1, source: 'order-service', subject: `order/${data.order_id}`, occurred_at: new Date().toISOString(), data };
}

/**
 * Stock with reservations, choreographed by events: the Product service reserves units for a new
 * order (OrderCreated), gives them back when the order is cancelled (OrderCancelled) and counts
 * them sold when it is paid (OrderPaid), answering with StockReserved, StockRejected and
 * StockReleased, which its relay delivers to the Order service (faked here).
 */
describe.each(DIALECTS)('Product stock on %s', (dialect) => {
  let testDb: TestDatabase<ProductTables>;
  let orders: FakeService;
  let discovery: Discovery;
  let app: App;
  let url: string;
  /** Order ids are the Order service's: each test takes fresh ones. */
  let lastOrderId = 0;
  const nextOrderId = () => ++lastOrderId;

  const db = () => testDb.database.db;
  const createProduct = async (body: Record<string, unknown>) => (await request<Product>(url, 'POST', '/api/products', { name: 'Lamp', price: 20, ...body })).body;
  const stockRow = (id: number) => db().selectFrom('products').select(['stock', 'stock_received']).where('id', '=', id).executeTakeFirstOrThrow();
  const reservationOf = (orderId: number) => db().selectFrom('reservations').selectAll().where('order_id', '=', orderId).executeTakeFirst();
  /** The events recorded about these orders, oldest first: type and data. */
  const eventsAbout = async (...orderIds: number[]) => {
    const subjects = orderIds.map((id) => `order/${id}`);
    const rows = await db().selectFrom('outbox').selectAll().where('subject', 'in', subjects).orderBy('id').execute();
    return rows.map((row) => JSON.parse(row.envelope) as EventEnvelope).map((e) => [e.type, e.data]);
  };
  const deliver = (event: EventEnvelope, headers: Record<string, string> = fromOrders()) => request<{ result: string }>(url, 'POST', '/internal/events', event, headers);
  const ledger = (query = '') => request<StockLedger>(url, 'GET', `/internal/stock${query}`, undefined, fromGateway());
  /** Places an order for the product as the Order service would announce it, and says what Product answered. */
  const reserve = async (productId: number, quantity: number) => {
    const orderId = nextOrderId();
    const answer = await deliver(orderEvent('OrderCreated', { order_id: orderId, user_id: 1, product_id: productId, quantity, total: 20 * quantity }));
    expect(answer).toMatchObject({ status: 200, body: { result: 'applied' } });
    return orderId;
  };

  beforeAll(async () => {
    testDb = await createTestDatabase<ProductTables>(dialect, migrations);
    orders = await startFakeService();
    // The Order service takes an event from the service that published it only, with its valid token.
    const orderIdentity = keys.identity('order-service');
    orders.on('POST', '/internal/events', (call) => {
      const caller = callerIn(orderIdentity, call.headers);
      if (caller === undefined) return { status: 401, body: { status: 401, title: 'Service token refused', field: SERVICE_TOKEN_HEADER } };
      if (caller !== (call.body as EventEnvelope).source) return { status: 403, body: { status: 403, title: 'Caller not allowed', field: 'source' } };
      return { body: { result: 'applied' } };
    });
    const identity = keys.identity('product-service');
    discovery = createDiscovery({ identity, refreshMs: 60_000, targets: { 'order-service': orders.url } });
    app = await buildApp({ database: testDb.database, identity, discovery, logLevel: false });
    url = await listenOnFreePort(app);
  });
  afterAll(async () => {
    await app.close();
    await discovery.close();
    await orders.close();
    await testDb.drop();
  });

  describe('Products with stock', () => {
    test('When a product is created with stock 5, then 201 with stock 5, stored as 5 available and 5 received, and shown so when read', async () => {
      const { status, body } = await request<Product>(url, 'POST', '/api/products', { name: 'Lamp', price: 20, stock: 5 });
      expect(status).toBe(201);
      expect(body).toEqual({ id: expect.any(Number), name: 'Lamp', price: 20, description: null, stock: 5, created_at: expect.any(String) });
      expect(await stockRow(body.id)).toEqual({ stock: 5, stock_received: 5 });
      expect(await request(url, 'GET', `/api/products/${body.id}`)).toMatchObject({ status: 200, body });
      expect((await request<Product[]>(url, 'GET', `/api/products?id=${body.id}`)).body).toEqual([body]);
    });

    test('When a product is created with stock 0, then it tracks stock and has none available', async () => {
      const product = await createProduct({ stock: 0 });
      expect(product.stock).toBe(0);
      expect(await stockRow(product.id)).toEqual({ stock: 0, stock_received: 0 });
    });

    test("When the spec's product is created without stock, then its answer has no stock key at all, and nothing is tracked", async () => {
      const { status, body } = await request<Product>(url, 'POST', '/api/products', { name: 'Mouse', price: 25 });
      expect(status).toBe(201);
      expect(Object.keys(body).sort()).toEqual(['created_at', 'description', 'id', 'name', 'price']);
      expect(Object.keys((await request<Product>(url, 'GET', `/api/products/${body.id}`)).body).sort()).toEqual(['created_at', 'description', 'id', 'name', 'price']);
      expect(await stockRow(body.id)).toEqual({ stock: null, stock_received: null });
    });

    test.each([
      ['a negative stock', { stock: -1 }, 'stock'],
      ['a fractional stock', { stock: 1.5 }, 'stock'],
      ['a stock as text', { stock: '5' }, 'stock'],
      ['a stock over the maximum', { stock: MAX_STOCK + 1 }, 'stock'],
      ['a null stock', { stock: null }, 'stock'],
      ['the units received', { stock: 5, stock_received: 500 }, 'stock_received'],
      ['units already reserved', { stock: 5, reserved: 1 }, 'reserved'],
    ])('When a product is created with %s, then 400 naming the field, and nothing is stored', async (_case, extra, field) => {
      const before = (await db().selectFrom('products').select('id').execute()).length;
      const { status, body } = await request<Problem>(url, 'POST', '/api/products', { name: 'Lamp', price: 20, ...extra });
      expect(status).toBe(400);
      expect(body.field).toBe(field);
      expect((await db().selectFrom('products').select('id').execute()).length).toBe(before);
    });
  });

  describe('Restocking', () => {
    test('When a product with stock 5 is restocked with 3, then 200 with stock 8, and 8 received', async () => {
      const product = await createProduct({ stock: 5 });
      const { status, body } = await request<Product>(url, 'POST', `/api/products/${product.id}/restock`, { quantity: 3 });
      expect(status).toBe(200);
      expect(body).toEqual({ ...product, stock: 8 });
      expect(await stockRow(product.id)).toEqual({ stock: 8, stock_received: 8 });
    });

    test('When a product that does not track stock is restocked, then 409 naming stock, and it still does not track it', async () => {
      const product = await createProduct({});
      const { status, headers, body } = await request<Problem>(url, 'POST', `/api/products/${product.id}/restock`, { quantity: 3 });
      expect(status).toBe(409);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 409, field: 'stock' });
      expect(await stockRow(product.id)).toEqual({ stock: null, stock_received: null });
    });

    test('When an unknown product is restocked, then 404', async () => {
      const { status, body } = await request<Problem>(url, 'POST', '/api/products/424242/restock', { quantity: 3 });
      expect(status).toBe(404);
      expect(body.detail).toContain('424242');
    });

    test('When a restock would take the stock over the maximum, then 409 naming quantity, and nothing changes', async () => {
      const product = await createProduct({ stock: MAX_STOCK - 2 });
      expect(await request<Problem>(url, 'POST', `/api/products/${product.id}/restock`, { quantity: 3 })).toMatchObject({ status: 409, body: { field: 'quantity' } });
      expect(await stockRow(product.id)).toEqual({ stock: MAX_STOCK - 2, stock_received: MAX_STOCK - 2 });
      expect(await request<Product>(url, 'POST', `/api/products/${product.id}/restock`, { quantity: 2 })).toMatchObject({ status: 200, body: { stock: MAX_STOCK } });
    });

    test.each([
      ['a quantity of 0', { quantity: 0 }, 'quantity'],
      ['a negative quantity', { quantity: -2 }, 'quantity'],
      ['no quantity', {}, 'quantity'],
      ['an unknown field', { quantity: 1, stock: 100 }, 'stock'],
    ])('When a restock has %s, then 400 naming the field, and nothing changes', async (_case, payload, field) => {
      const product = await createProduct({ stock: 5 });
      expect(await request<Problem>(url, 'POST', `/api/products/${product.id}/restock`, payload)).toMatchObject({ status: 400, body: { field } });
      expect(await stockRow(product.id)).toEqual({ stock: 5, stock_received: 5 });
    });
  });

  describe('Reserving stock for a new order (OrderCreated)', () => {
    test('When an order for 2 of a product with stock 5 is announced, then 2 units are reserved, StockReserved is recorded and delivered to the Order service', async () => {
      const product = await createProduct({ stock: 5 });
      const orderId = await reserve(product.id, 2);

      expect(await stockRow(product.id)).toEqual({ stock: 3, stock_received: 5 });
      expect(await reservationOf(orderId)).toEqual({ order_id: orderId, product_id: product.id, quantity: 2, state: 'RESERVED', created_at: expect.any(String), updated_at: expect.any(String) });
      expect(await eventsAbout(orderId)).toEqual([['StockReserved', { order_id: orderId, product_id: product.id, quantity: 2 }]]);
      expect((await request<Product>(url, 'GET', `/api/products/${product.id}`)).body.stock).toBe(3);

      await expect.poll(() => orders.calls.find((call) => (call.body as EventEnvelope | undefined)?.subject === `order/${orderId}`), { timeout: 3000 }).toMatchObject({
        method: 'POST',
        path: '/internal/events',
        body: { type: 'StockReserved', source: 'product-service', data: { order_id: orderId, product_id: product.id, quantity: 2 } },
      });
      // Delivered with the Product service's own token for the Order service.
      const delivery = orders.calls.find((call) => (call.body as EventEnvelope | undefined)?.subject === `order/${orderId}`);
      expect(callerIn(keys.identity('order-service'), delivery?.headers ?? {})).toBe('product-service');
    });

    test('When an order asks for more than the stock holds, then nothing is reserved and StockRejected tells what is available', async () => {
      const product = await createProduct({ stock: 3 });
      const orderId = await reserve(product.id, 4);
      expect(await stockRow(product.id)).toEqual({ stock: 3, stock_received: 3 });
      expect(await reservationOf(orderId)).toBeUndefined();
      expect(await eventsAbout(orderId)).toEqual([['StockRejected', { order_id: orderId, product_id: product.id, quantity: 4, available: 3 }]]);
    });

    test('When an order takes exactly the stock left, then it is reserved and the stock is 0', async () => {
      const product = await createProduct({ stock: 3 });
      const orderId = await reserve(product.id, 3);
      expect(await stockRow(product.id)).toEqual({ stock: 0, stock_received: 3 });
      expect((await eventsAbout(orderId)).map(([type]) => type)).toEqual(['StockReserved']);
    });

    test("When an order is for a product that does not track stock, or that Product does not know, then nothing is reserved and nothing is said", async () => {
      const unlimited = await createProduct({});
      const forUnlimited = await reserve(unlimited.id, 10_000);
      const forUnknown = await reserve(424242, 1);
      expect(await reservationOf(forUnlimited)).toBeUndefined();
      expect(await reservationOf(forUnknown)).toBeUndefined();
      expect(await eventsAbout(forUnlimited, forUnknown)).toEqual([]);
      expect(await stockRow(unlimited.id)).toEqual({ stock: null, stock_received: null });
    });

    test('When 50 orders of 1 race for a product with stock 10, then exactly 10 are reserved and 40 rejected, and the stock ends at 0, never below', async () => {
      const product = await createProduct({ stock: 10 });
      const orderIds = Array.from({ length: 50 }, nextOrderId);
      const seen: number[] = [];
      let racing = true;
      const watching = (async () => {
        while (racing) {
          seen.push((await stockRow(product.id)).stock ?? -1);
          // SQLite answers synchronously: give the requests the event loop between two readings.
          await sleep(1);
        }
      })();

      const answers = await Promise.all(
        orderIds.map((order_id) => deliver(orderEvent('OrderCreated', { order_id, user_id: 1, product_id: product.id, quantity: 1, total: 20 }))),
      );
      racing = false;
      await watching;

      expect(answers.every((answer) => answer.status === 200 && answer.body.result === 'applied')).toBe(true);
      const events = await eventsAbout(...orderIds);
      expect(events.filter(([type]) => type === 'StockReserved')).toHaveLength(10);
      expect(events.filter(([type]) => type === 'StockRejected')).toHaveLength(40);
      expect(events).toHaveLength(50);
      const reservations = await db().selectFrom('reservations').selectAll().where('product_id', '=', product.id).execute();
      expect(reservations).toHaveLength(10);
      expect(reservations.every((r) => r.state === 'RESERVED' && r.quantity === 1)).toBe(true);
      expect(await stockRow(product.id)).toEqual({ stock: 0, stock_received: 10 });
      expect(seen.length).toBeGreaterThan(0);
      expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
      // Each rejection reports what was left when it was decided: nothing.
      expect(events.filter(([type]) => type === 'StockRejected').every(([, data]) => (data as { available: number }).available === 0)).toBe(true);
    });

    test('When the same OrderCreated is delivered 6 times, 3 at once and 3 after, then it is applied once: one reservation, units taken once, one StockReserved', async () => {
      const product = await createProduct({ stock: 5 });
      const orderId = nextOrderId();
      const event = orderEvent('OrderCreated', { order_id: orderId, user_id: 1, product_id: product.id, quantity: 2, total: 40 });
      const first = await Promise.all([deliver(event), deliver(event), deliver(event)]);
      const later = [await deliver(event), await deliver(event), await deliver(event)];
      const results = [...first, ...later].map((answer) => answer.body.result);
      expect(results.filter((r) => r === 'applied')).toHaveLength(1);
      expect(results.filter((r) => r === 'duplicate')).toHaveLength(5);
      expect(await stockRow(product.id)).toEqual({ stock: 3, stock_received: 5 });
      expect(await eventsAbout(orderId)).toEqual([['StockReserved', { order_id: orderId, product_id: product.id, quantity: 2 }]]);
    });

    test('When the same order is announced again under another event id, then its reservation stands and nothing more is taken', async () => {
      const product = await createProduct({ stock: 5 });
      const orderId = nextOrderId();
      const data = { order_id: orderId, user_id: 1, product_id: product.id, quantity: 2, total: 40 };
      expect((await deliver(orderEvent('OrderCreated', data))).body.result).toBe('applied');
      expect((await deliver(orderEvent('OrderCreated', data))).body.result).toBe('applied');
      expect(await stockRow(product.id)).toEqual({ stock: 3, stock_received: 5 });
      expect((await eventsAbout(orderId)).map(([type]) => type)).toEqual(['StockReserved']);
    });
  });

  describe('Releasing and committing (OrderCancelled, OrderPaid)', () => {
    test('When a reserved order is cancelled, and the cancellation delivered twice, then its units go back once, with one StockReleased', async () => {
      const product = await createProduct({ stock: 5 });
      const orderId = await reserve(product.id, 2);
      const cancelled = orderEvent('OrderCancelled', { order_id: orderId, reason: 'cancelled' });
      expect((await deliver(cancelled)).body.result).toBe('applied');
      expect((await deliver(cancelled)).body.result).toBe('duplicate');
      // The same cancellation under another id (an order cancelled twice cannot be, but nothing here relies on it).
      expect((await deliver(orderEvent('OrderCancelled', { order_id: orderId, reason: 'expired' }))).body.result).toBe('applied');

      expect(await stockRow(product.id)).toEqual({ stock: 5, stock_received: 5 });
      expect(await reservationOf(orderId)).toMatchObject({ state: 'RELEASED', quantity: 2 });
      expect(await eventsAbout(orderId)).toEqual([
        ['StockReserved', { order_id: orderId, product_id: product.id, quantity: 2 }],
        ['StockReleased', { order_id: orderId, product_id: product.id, quantity: 2 }],
      ]);
    });

    test('When a rejected order, or an order for a product without stock, is cancelled, then nothing is given back', async () => {
      const stocked = await createProduct({ stock: 1 });
      const rejected = await reserve(stocked.id, 2);
      const unlimited = await reserve((await createProduct({})).id, 2);
      for (const orderId of [rejected, unlimited]) await deliver(orderEvent('OrderCancelled', { order_id: orderId, reason: 'out_of_stock' }));
      expect(await stockRow(stocked.id)).toEqual({ stock: 1, stock_received: 1 });
      expect((await eventsAbout(rejected, unlimited)).map(([type]) => type)).toEqual(['StockRejected']);
    });

    test('When a reserved order is paid, then its units are sold (COMMITTED), and a cancellation after that gives nothing back', async () => {
      const product = await createProduct({ stock: 5 });
      const orderId = await reserve(product.id, 2);
      expect((await deliver(orderEvent('OrderPaid', { order_id: orderId, total: 40 }))).body.result).toBe('applied');
      expect(await reservationOf(orderId)).toMatchObject({ state: 'COMMITTED' });
      await deliver(orderEvent('OrderCancelled', { order_id: orderId, reason: 'cancelled' }));
      expect(await reservationOf(orderId)).toMatchObject({ state: 'COMMITTED' });
      expect(await stockRow(product.id)).toEqual({ stock: 3, stock_received: 5 });
      expect((await eventsAbout(orderId)).map(([type]) => type)).toEqual(['StockReserved']);
    });
  });

  describe('The stock ledger', () => {
    test('When reservations are made, released, sold and the product restocked, then its books balance: received = available + reserved + sold', async () => {
      const product = await createProduct({ stock: 10 });
      const held = await reserve(product.id, 3);
      const sold = await reserve(product.id, 2);
      const released = await reserve(product.id, 4);
      const rejected = await reserve(product.id, 5);
      await deliver(orderEvent('OrderPaid', { order_id: sold, total: 40 }));
      await deliver(orderEvent('OrderCancelled', { order_id: released, reason: 'expired' }));
      await request(url, 'POST', `/api/products/${product.id}/restock`, { quantity: 6 });

      const { status, headers, body } = await ledger();
      expect(status).toBe(200);
      const books = body.products.find((p) => p.product_id === product.id);
      expect(books).toEqual({ product_id: product.id, received: 16, available: 11, reserved: 3, sold: 2 });
      for (const entry of body.products) expect(entry.received).toBe(entry.available + entry.reserved + entry.sold);
      expect(body.products.every((p) => p.product_id !== rejected)).toBe(true);
      expect(Number(headers.get('x-total-count'))).toBe(body.reservations.length);

      const some = await ledger(`?order_id=${held}&order_id=${sold}&order_id=${released}&order_id=${rejected}`);
      expect(some.body.reservations.map((r) => [r.order_id, r.state])).toEqual([
        [released, 'RELEASED'],
        [sold, 'COMMITTED'],
        [held, 'RESERVED'],
      ]);
      expect(some.headers.get('x-total-count')).toBe('3');
    });

    test('When the ledger is asked for, then products that do not track stock are not in it', async () => {
      const unlimited = await createProduct({});
      expect((await ledger()).body.products.some((p) => p.product_id === unlimited.id)).toBe(false);
    });

    test.each([
      ['no token', 401, () => ({})],
      ['a forged token', 401, () => testKeys().headers('gateway', 'product-service')],
      ['an expired token', 401, () => ({ [SERVICE_TOKEN_HEADER]: keys.token('gateway', 'product-service', { ageS: 120 }) })],
      ['a token for another service', 401, () => keys.headers('gateway', 'order-service')],
      ["the Order service's valid token (the ledger is the gateway's)", 403, () => keys.headers('order-service', 'product-service')],
    ])('When the ledger is asked for with %s, then %d naming the header', async (_case, expected, headers) => {
      const { status, body } = await request<Problem>(url, 'GET', '/internal/stock', undefined, headers());
      expect(status).toBe(expected);
      expect(body.field).toBe(SERVICE_TOKEN_HEADER);
    });

    test('When the ledger is asked for with a bad order id, then 400 naming order_id', async () => {
      expect(await ledger('?order_id=abc')).toMatchObject({ status: 400, body: { field: expect.stringMatching(/^order_id/) } });
    });
  });

  describe('Receiving events', () => {
    test('When an event is delivered without a service token, then 401 and nothing happens', async () => {
      const product = await createProduct({ stock: 5 });
      const orderId = nextOrderId();
      const { status, body } = await deliver(orderEvent('OrderCreated', { order_id: orderId, user_id: 1, product_id: product.id, quantity: 1, total: 20 }), {});
      expect(status).toBe(401);
      expect((body as unknown as Problem).field).toBe(SERVICE_TOKEN_HEADER);
      expect(await stockRow(product.id)).toEqual({ stock: 5, stock_received: 5 });
      expect(await reservationOf(orderId)).toBeUndefined();
    });

    test("When an Order service event comes with another service's valid token, then 403 and nothing happens: no service publishes in another's name", async () => {
      const product = await createProduct({ stock: 5 });
      const orderId = nextOrderId();
      const event = orderEvent('OrderCreated', { order_id: orderId, user_id: 1, product_id: product.id, quantity: 1, total: 20 });
      expect(await deliver(event, keys.headers('payment-service', 'product-service'))).toMatchObject({ status: 403, body: { field: 'source' } });
      expect(await stockRow(product.id)).toEqual({ stock: 5, stock_received: 5 });
      expect(await reservationOf(orderId)).toBeUndefined();
    });

    test('When an event Product does not consume, or data that does not match its contract, is delivered, then 422 and nothing happens', async () => {
      const orderId = nextOrderId();
      expect((await deliver(orderEvent('PaymentCompleted', { payment_id: 1, order_id: orderId, amount: 20 }))).status).toBe(422);
      expect((await deliver({ ...orderEvent('OrderCreated', { order_id: orderId, user_id: 1, product_id: 1, quantity: 1, total: 20 }), data: { order_id: orderId, quantity: 0 } })).status).toBe(422);
      expect(await eventsAbout(orderId)).toEqual([]);
    });

    test('When the outbox is asked for, then it shows the events consumed in its inbox', async () => {
      const { status, body } = await request<{ inbox: { applied: number } }>(url, 'GET', '/internal/events/outbox', undefined, fromGateway());
      expect(status).toBe(200);
      expect(body.inbox.applied).toBeGreaterThan(0);
    });
  });
});
