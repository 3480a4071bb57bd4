import { DEFAULT_RESILIENCE_SETTINGS, type App } from '@microshop/chassis';
import type { Order, OrderWithParties, Problem, Product, User } from '@microshop/contracts';
import { createTestDatabase, DIALECTS, listenOnFreePort, request, startFakeService, testKeys, type FakeService, type RecordedCall, type TestDatabase } from '@microshop/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { NewOrderRow, OrderTables } from '../src/data/tables.js';

const keys = testKeys();
const CALL_TIMEOUT_MS = 300;
const CREATED_AT = '2024-05-01T10:00:00.000Z';
/** The User fake knows every user id below this one. */
const FIRST_UNKNOWN_USER = 900;

const userOf = (id: number): User => ({ id, name: `User ${id}`, email: `user${id}@example.com`, created_at: CREATED_AT });
const productOf = (id: number, price: number): Product => ({ id, name: `Product ${id}`, price, description: null, created_at: CREATED_AT });
const notFound = { status: 404, body: { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'No such thing' } };
const idsQueried = (call: RecordedCall | undefined) => call?.query.getAll('id').map(Number).sort((a, b) => a - b);
const distinct = (ids: number[]) => [...new Set(ids)].sort((a, b) => a - b);

describe.each(DIALECTS)('Order service on %s', (dialect) => {
  let testDb: TestDatabase<OrderTables>;
  let users: FakeService;
  let products: FakeService;
  let app: App;
  let url: string;
  /** The Product fake's catalogue: id → price. Ids not in it are 404. */
  let catalogue: Map<number, number>;

  const orderRows = () => testDb.database.db.selectFrom('orders').selectAll().orderBy('id').execute();
  const countOrders = async () => (await orderRows()).length;
  const seedOrder = (order: Partial<NewOrderRow> & Pick<NewOrderRow, 'user_id' | 'product_id'>) =>
    testDb.database.db
      .insertInto('orders')
      .values({ quantity: 1, total_cents: 100, status: 'PENDING', created_at: CREATED_AT, updated_at: CREATED_AT, ...order })
      .returningAll()
      .executeTakeFirstOrThrow();
  const placeOrder = <T = Order>(body: unknown) => request<T>(url, 'POST', '/api/orders', body);

  beforeAll(async () => {
    testDb = await createTestDatabase<OrderTables>(dialect, migrations);
  });
  afterAll(async () => {
    await testDb.drop();
  });

  beforeEach(async () => {
    catalogue = new Map([
      [2, 999.99],
      [3, 25.5],
    ]);
    users = await startFakeService();
    users.on('GET', '/api/users/:id', (_call, { id }) => (Number(id) < FIRST_UNKNOWN_USER ? { body: userOf(Number(id)) } : notFound));
    users.on('GET', '/api/users', (call) => ({ body: call.query.getAll('id').map(Number).filter((id) => id < FIRST_UNKNOWN_USER).map(userOf) }));
    products = await startFakeService();
    products.on('GET', '/api/products/:id', (_call, { id }) => {
      const price = catalogue.get(Number(id));
      return price === undefined ? notFound : { body: productOf(Number(id), price) };
    });
    products.on('GET', '/api/products', (call) => ({
      body: call.query
        .getAll('id')
        .map(Number)
        .flatMap((id) => (catalogue.has(id) ? [productOf(id, catalogue.get(id) ?? 0)] : [])),
    }));
    app = await buildApp({
      database: testDb.database,
      identity: keys.identity('order-service'),
      userService: users.url,
      productService: products.url,
      timeoutMs: CALL_TIMEOUT_MS,
      logLevel: false,
    });
    url = await listenOnFreePort(app);
  });
  afterEach(async () => {
    await app.close();
    await users.close();
    await products.close();
  });

  describe('Placing an order', () => {
    test("When the spec's order is placed (product 2 at 999.99, quantity 3), then 201 with total 2999.97, stored as 299997 cents, after one call to each neighbour", async () => {
      const { status, headers, body } = await placeOrder({ user_id: 1, product_id: 2, quantity: 3 });

      expect(status).toBe(201);
      expect(headers.get('content-type')).toContain('application/json');
      expect(body).toEqual({ id: expect.any(Number), user_id: 1, product_id: 2, quantity: 3, total: 2999.97, status: 'PENDING', created_at: expect.any(String) });
      expect(new Date(body.created_at).toISOString()).toBe(body.created_at);

      const rows = await orderRows();
      expect(rows.filter((r) => r.id === body.id)).toEqual([
        // No stock tracked for the spec's product: no stock status, no expiry.
        { id: body.id, user_id: 1, product_id: 2, quantity: 3, total_cents: 299997, status: 'PENDING', created_at: body.created_at, updated_at: body.created_at, stock_status: null, expires_at: null, cancel_reason: null },
      ]);

      expect(products.calls).toHaveLength(1);
      expect(products.calls[0]).toMatchObject({ method: 'GET', path: '/api/products/2', body: undefined });
      expect([...(products.calls[0]?.query ?? [])]).toEqual([]);
      expect(users.calls).toHaveLength(1);
      expect(users.calls[0]).toMatchObject({ method: 'GET', path: '/api/users/1', body: undefined });
      expect(await request(url, 'GET', `/api/orders/${body.id}`)).toMatchObject({ status: 200, body });
    });

    test.each([
      [0.1, 3, 0.3, 30],
      [19.99, 7, 139.93, 13993],
      [1.15, 3, 3.45, 345],
      [4.35, 100, 435, 43500],
      [0.01, 1, 0.01, 1],
      [0.07, 10000, 700, 70000],
      [1000000, 10000, 10000000000, 1000000000000],
    ])('When the price is %d and the quantity %d, then the total is exactly %d (%d cents stored)', async (price, quantity, total, cents) => {
      catalogue.set(40, price);
      const { status, body } = await placeOrder({ user_id: 1, product_id: 40, quantity });
      expect(status).toBe(201);
      expect(body.total).toBe(total);
      const row = await testDb.database.db.selectFrom('orders').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
      expect(row.total_cents).toBe(cents);
      expect((await request<Order>(url, 'GET', `/api/orders/${body.id}`)).body.total).toBe(total);
    });

    test('When the user does not exist, then 422 naming user_id, and nothing is stored', async () => {
      const before = await countOrders();
      const { status, headers, body } = await placeOrder<Problem>({ user_id: FIRST_UNKNOWN_USER + 1, product_id: 2, quantity: 1 });
      expect(status).toBe(422);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 422, field: 'user_id', invalid_params: [{ name: 'user_id' }] });
      expect(body.detail).toContain(String(FIRST_UNKNOWN_USER + 1));
      expect(await countOrders()).toBe(before);
      expect(users.calls).toMatchObject([{ method: 'GET', path: `/api/users/${FIRST_UNKNOWN_USER + 1}` }]);
    });

    test('When the product does not exist, then 422 naming product_id, and nothing is stored', async () => {
      const before = await countOrders();
      const { status, headers, body } = await placeOrder<Problem>({ user_id: 1, product_id: 77, quantity: 1 });
      expect(status).toBe(422);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 422, field: 'product_id', invalid_params: [{ name: 'product_id' }] });
      expect(body.detail).toContain('77');
      expect(await countOrders()).toBe(before);
      expect(products.calls).toMatchObject([{ method: 'GET', path: '/api/products/77' }]);
    });

    test.each([
      ['a quantity of 0', { user_id: 1, product_id: 2, quantity: 0 }, 'quantity'],
      ['a negative quantity', { user_id: 1, product_id: 2, quantity: -1 }, 'quantity'],
      ['a fractional quantity', { user_id: 1, product_id: 2, quantity: 1.5 }, 'quantity'],
      ['a quantity as text', { user_id: 1, product_id: 2, quantity: '3' }, 'quantity'],
      ['an absurdly large quantity', { user_id: 1, product_id: 2, quantity: 10001 }, 'quantity'],
      ['a null quantity', { user_id: 1, product_id: 2, quantity: null }, 'quantity'],
      ['a missing quantity', { user_id: 1, product_id: 2 }, 'quantity'],
      ['a missing user_id', { product_id: 2, quantity: 1 }, 'user_id'],
      ['a missing product_id', { user_id: 1, quantity: 1 }, 'product_id'],
      ['a user_id of 0', { user_id: 0, product_id: 2, quantity: 1 }, 'user_id'],
      ['a product_id as text', { user_id: 1, product_id: '2', quantity: 1 }, 'product_id'],
      ['an unknown field', { user_id: 1, product_id: 2, quantity: 1, coupon: 'FREE' }, 'coupon'],
      ['a total chosen by the client', { user_id: 1, product_id: 2, quantity: 1, total: 0.01 }, 'total'],
      ['a status chosen by the client', { user_id: 1, product_id: 2, quantity: 1, status: 'PAID' }, 'status'],
      ['an id chosen by the client', { id: 1, user_id: 1, product_id: 2, quantity: 1 }, 'id'],
      ['malformed JSON', '{"user_id": 1,', 'body'],
    ])('When the body has %s, then 400 naming the field, nothing is stored, and no neighbour is called', async (_case, payload, field) => {
      const before = await countOrders();
      const { status, headers, body } = await placeOrder<Problem>(payload);
      expect(status).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body.status).toBe(400);
      expect(body.field).toBe(field);
      expect(await countOrders()).toBe(before);
      expect(users.calls).toEqual([]);
      expect(products.calls).toEqual([]);
    });
  });

  test('When the body is over the size limit, then 413, nothing is stored, and no neighbour is called', async () => {
    const before = await countOrders();
    const { status, headers, body } = await placeOrder<Problem>({ user_id: 1, product_id: 2, quantity: 1, note: 'x'.repeat(70_000) });
    expect(status).toBe(413);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body).toMatchObject({ status: 413, field: 'body' });
    expect(await countOrders()).toBe(before);
    expect(users.calls).toEqual([]);
    expect(products.calls).toEqual([]);
  });

  test('When health is asked, then ok with the database check, and no neighbour is called', async () => {
    expect(await request(url, 'GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok', service: 'order-service', checks: { database: 'ok' } } });
    expect(users.calls).toEqual([]);
    expect(products.calls).toEqual([]);
  });

  describe('Placing an order when a neighbour fails', () => {
    test('When the Product service is down, then 503 naming product-service at once, and nothing is stored', async () => {
      await products.close();
      const before = await countOrders();
      const started = performance.now();
      const { status, headers, body } = await placeOrder<Problem>({ user_id: 1, product_id: 2, quantity: 1 });
      const elapsed = performance.now() - started;

      expect(status).toBe(503);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(headers.get('retry-after')).toBe('1');
      expect(body).toMatchObject({ status: 503, service: 'product-service' });
      expect(body.detail).toMatch(/product-service is unreachable/);
      expect(elapsed).toBeLessThan(CALL_TIMEOUT_MS);
      expect(await countOrders()).toBe(before);
    });

    test('When the Product service hangs, then 503 naming product-service within the call timeout, and nothing is stored', async () => {
      products.on('GET', '/api/products/:id', () => ({ hang: true }));
      const before = await countOrders();
      const started = performance.now();
      const { status, headers, body } = await placeOrder<Problem>({ user_id: 1, product_id: 2, quantity: 1 });
      const elapsed = performance.now() - started;

      expect(status).toBe(503);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 503, service: 'product-service' });
      expect(body.detail).toContain(`did not answer within ${CALL_TIMEOUT_MS} ms`);
      expect(elapsed).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(CALL_TIMEOUT_MS + 700);
      expect(products.calls).toHaveLength(1);
      expect(await countOrders()).toBe(before);
    });

    test('When the User service is down, then 503 naming user-service, and nothing is stored', async () => {
      await users.close();
      const before = await countOrders();
      const { status, body } = await placeOrder<Problem>({ user_id: 1, product_id: 2, quantity: 1 });
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 503, service: 'user-service' });
      expect(await countOrders()).toBe(before);
    });

    test.each([
      [500, 502],
      [503, 503],
    ])('When the Product service answers %d, then %d naming product-service, and nothing is stored', async (answer, expected) => {
      products.on('GET', '/api/products/:id', () => ({ status: answer, body: { type: '/problems/internal', title: 'Boom', status: answer, detail: 'boom' } }));
      const before = await countOrders();
      const { status, headers, body } = await placeOrder<Problem>({ user_id: 1, product_id: 2, quantity: 1 });
      expect(status).toBe(expected);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: expected, service: 'product-service' });
      // A GET is idempotent: the client retried it, within its attempts.
      expect(products.calls).toHaveLength(DEFAULT_RESILIENCE_SETTINGS.retry_max_attempts);
      expect(await countOrders()).toBe(before);
    });

    test.each([
      ['the price as text', { ...productOf(2, 1), price: '999.99' }],
      ['no price', { id: 2, name: 'Laptop', description: null, created_at: CREATED_AT }],
      ['the id as text', { ...productOf(2, 1), id: '2' }],
      ['an empty body', undefined],
      ['a list instead of a product', [productOf(2, 1)]],
      ['a price with three decimals', productOf(2, 1.005)],
      ['a price of 0', productOf(2, 0)],
      ['a negative price', productOf(2, -5)],
      ['a price far above the catalogue maximum', productOf(2, 1e13)],
    ])('When the Product service answers with %s, then 502 naming product-service, and nothing is stored', async (_case, answer) => {
      products.on('GET', '/api/products/:id', () => ({ body: answer }));
      const before = await countOrders();
      const { status, headers, body } = await placeOrder<Problem>({ user_id: 1, product_id: 2, quantity: 10000 });
      expect(status).toBe(502);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 502, service: 'product-service' });
      expect(await countOrders()).toBe(before);
    });
  });

  describe('Reading one order', () => {
    test('When an order is fetched by id, then it is returned without calling a neighbour', async () => {
      const row = await seedOrder({ user_id: 5, product_id: 3, quantity: 2, total_cents: 5100, status: 'PAID' });
      const { status, body } = await request<Order>(url, 'GET', `/api/orders/${row.id}`);
      expect(status).toBe(200);
      expect(body).toEqual({ id: row.id, user_id: 5, product_id: 3, quantity: 2, total: 51, status: 'PAID', created_at: CREATED_AT });
      expect(users.calls).toEqual([]);
      expect(products.calls).toEqual([]);
    });

    test('When a neighbour is down, then an order is still fetched by id', async () => {
      await users.close();
      await products.close();
      const row = await seedOrder({ user_id: 5, product_id: 3 });
      expect(await request(url, 'GET', `/api/orders/${row.id}`)).toMatchObject({ status: 200, body: { id: row.id } });
    });

    test('When an unknown order is fetched, then 404 problem+json', async () => {
      const { status, headers, body } = await request<Problem>(url, 'GET', '/api/orders/999999');
      expect(status).toBe(404);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 404 });
      expect(body.detail).toContain('999999');
    });

    test.each(['abc', '0', '-1', '1.5'])('When the order id is %s, then 400 naming id', async (id) => {
      const { status, headers, body } = await request<Problem>(url, 'GET', `/api/orders/${id}`);
      expect(status).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body.field).toBe('id');
    });
  });

  describe('Listing orders', () => {
    test('When 5 orders of 3 users and 2 products are listed, then each embeds its user and product, after one call to each neighbour', async () => {
      const plan = [
        { user_id: 11, product_id: 2 },
        { user_id: 12, product_id: 3 },
        { user_id: 11, product_id: 3 },
        { user_id: 13, product_id: 2 },
        { user_id: 12, product_id: 2 },
      ];
      const seeded = [];
      for (const party of plan) seeded.push(await seedOrder({ ...party, quantity: 2, total_cents: 200 }));

      const { status, headers, body } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?limit=5');

      expect(status).toBe(200);
      expect(headers.get('x-total-count')).toBe(String(await countOrders()));
      expect(body.map((o) => o.id)).toEqual(seeded.map((o) => o.id).reverse());
      for (const order of body) {
        expect(order).toEqual({
          id: order.id,
          user_id: order.user_id,
          product_id: order.product_id,
          quantity: 2,
          total: 2,
          status: 'PENDING',
          created_at: CREATED_AT,
          user: userOf(order.user_id),
          product: productOf(order.product_id, catalogue.get(order.product_id) ?? 0),
        });
      }
      expect(users.calls).toHaveLength(1);
      expect(users.calls[0]).toMatchObject({ method: 'GET', path: '/api/users' });
      expect(idsQueried(users.calls[0])).toEqual([11, 12, 13]);
      expect(products.calls).toHaveLength(1);
      expect(products.calls[0]).toMatchObject({ method: 'GET', path: '/api/products' });
      expect(idsQueried(products.calls[0])).toEqual([2, 3]);
    });

    test('When 50 orders are listed, then still one call to each neighbour, each id asked for once', async () => {
      for (let i = 0; i < 50; i += 1) {
        catalogue.set(50 + (i % 5), 1.5 + (i % 5));
        await seedOrder({ user_id: 100 + (i % 25), product_id: 50 + (i % 5) });
      }
      const { status, body } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?limit=50');

      expect(status).toBe(200);
      expect(body).toHaveLength(50);
      expect(users.calls).toHaveLength(1);
      expect(users.calls[0]?.query.getAll('id')).toHaveLength(25);
      expect(idsQueried(users.calls[0])).toEqual(distinct(body.map((o) => o.user_id)));
      expect(products.calls).toHaveLength(1);
      expect(products.calls[0]?.query.getAll('id')).toHaveLength(5);
      expect(idsQueried(products.calls[0])).toEqual(distinct(body.map((o) => o.product_id)));
      for (const order of body) {
        expect(order.user?.id).toBe(order.user_id);
        expect(order.product?.id).toBe(order.product_id);
      }
    });

    test('When an order refers to a user or product its owner no longer has, then it is listed with null in its place', async () => {
      const row = await seedOrder({ user_id: FIRST_UNKNOWN_USER + 5, product_id: 88 });
      const { status, body } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?limit=1');
      expect(status).toBe(200);
      expect(body).toEqual([expect.objectContaining({ id: row.id, user: null, product: null })]);
    });

    test('When orders are paged, then newest first, with limit and offset, and the total in X-Total-Count', async () => {
      for (let i = 0; i < 3; i += 1) await seedOrder({ user_id: 1, product_id: 2 });
      const total = await countOrders();
      const all = await request<OrderWithParties[]>(url, 'GET', '/api/orders');
      expect(all.headers.get('x-total-count')).toBe(String(total));
      expect(all.body).toHaveLength(Math.min(total, 100));
      expect(all.body.map((o) => o.id)).toEqual([...all.body.map((o) => o.id)].sort((a, b) => b - a));

      const page = await request<OrderWithParties[]>(url, 'GET', '/api/orders?limit=2&offset=1');
      expect(page.status).toBe(200);
      expect(page.body).toEqual(all.body.slice(1, 3));
      expect(page.headers.get('x-total-count')).toBe(String(total));
    });

    test('When a page past the end is asked for, then an empty list, and no neighbour is called', async () => {
      await seedOrder({ user_id: 1, product_id: 2 });
      const { status, headers, body } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?offset=1000000');
      expect(status).toBe(200);
      expect(body).toEqual([]);
      expect(headers.get('x-total-count')).toBe(String(await countOrders()));
      expect(users.calls).toEqual([]);
      expect(products.calls).toEqual([]);
    });

    test.each([
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['offset=-1', 'offset'],
      ['page=2', 'page'],
    ])('When the list is asked for with %s, then 400 naming %s, and no neighbour is called', async (query, field) => {
      const { status, headers, body } = await request<Problem>(url, 'GET', `/api/orders?${query}`);
      expect(status).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body.field).toBe(field);
      expect(users.calls).toEqual([]);
      expect(products.calls).toEqual([]);
    });

    test('When the User service is down, then listing is 200 with users null, products embedded, and x-degraded naming user-service', async () => {
      await seedOrder({ user_id: 1, product_id: 2 });
      await users.close();
      const { status, headers, body } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?limit=1');
      expect(status).toBe(200);
      expect(headers.get('x-degraded')).toBe('user-service');
      expect(body).toHaveLength(1);
      expect(body[0]).toMatchObject({ user_id: 1, product_id: 2, user: null, product: { id: 2 } });
    });

    test('When the Product service answers 500, then listing is 200 with products null and x-degraded naming product-service', async () => {
      await seedOrder({ user_id: 1, product_id: 2 });
      products.on('GET', '/api/products', () => ({ status: 500, body: { type: '/problems/internal', title: 'Boom', status: 500, detail: 'boom' } }));
      const { status, headers, body } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?limit=1');
      expect(status).toBe(200);
      expect(headers.get('x-degraded')).toBe('product-service');
      expect(body[0]).toMatchObject({ user: { id: 1 }, product: null });
    });

    test('When both neighbours answer, then listing has no x-degraded header', async () => {
      await seedOrder({ user_id: 1, product_id: 2 });
      const { status, headers } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?limit=1');
      expect(status).toBe(200);
      expect(headers.get('x-degraded')).toBeNull();
    });
  });
});
