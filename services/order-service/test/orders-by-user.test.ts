import type { App } from '@microshop/chassis';
import type { OrderWithParties, Problem, Product, User } from '@microshop/contracts';
import { createTestDatabase, DIALECTS, listenOnFreePort, request, startFakeService, testKeys, type FakeService, type TestDatabase } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { OrderTables } from '../src/data/tables.js';

const keys = testKeys();
const CREATED_AT = '2024-05-01T10:00:00.000Z';
const userOf = (id: number): User => ({ id, name: `User ${id}`, email: `user${id}@example.com`, created_at: CREATED_AT });
const productOf = (id: number): Product => ({ id, name: `Product ${id}`, price: 10, description: null, created_at: CREATED_AT });

describe.each(DIALECTS)('Orders of one user, on %s', (dialect) => {
  let testDb: TestDatabase<OrderTables>;
  let users: FakeService;
  let products: FakeService;
  let app: App;
  let url: string;

  beforeAll(async () => {
    testDb = await createTestDatabase<OrderTables>(dialect, migrations);
    users = await startFakeService();
    users.on('GET', '/api/users', (call) => ({ body: call.query.getAll('id').map(Number).map(userOf) }));
    products = await startFakeService();
    products.on('GET', '/api/products', (call) => ({ body: call.query.getAll('id').map(Number).map(productOf) }));
    app = await buildApp({
      database: testDb.database,
      identity: keys.identity('order-service'),
      userService: users.url,
      productService: products.url,
      timeoutMs: 300,
      logLevel: false,
    });
    url = await listenOnFreePort(app);
    // User 7 has orders 1, 3, 5 (of products 1, 2, 1); user 8 has 2 and 4.
    for (const [user_id, product_id] of [[7, 1], [8, 1], [7, 2], [8, 2], [7, 1]] as const) {
      await testDb.database.db
        .insertInto('orders')
        .values({ user_id, product_id, quantity: 1, total_cents: 1000, status: 'PENDING', created_at: CREATED_AT, updated_at: CREATED_AT })
        .execute();
    }
  });
  afterAll(async () => {
    await app.close();
    await users.close();
    await products.close();
    await testDb.drop();
  });

  test('When orders are listed with ?user_id=, then only that user\'s, newest first, with X-Total-Count of theirs', async () => {
    const { status, headers, body } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?user_id=7');
    expect(status).toBe(200);
    expect(body.map((o) => o.id)).toEqual([5, 3, 1]);
    expect(body.every((o) => o.user_id === 7 && o.user?.id === 7)).toBe(true);
    expect(headers.get('x-total-count')).toBe('3');
    const page = await request<OrderWithParties[]>(url, 'GET', '/api/orders?user_id=7&limit=1&offset=1');
    expect(page.body.map((o) => o.id)).toEqual([3]);
  });

  test('When orders are listed with embed=false, then no other service is called and no user or product is embedded', async () => {
    const before = users.calls.length + products.calls.length;
    const { status, body } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?user_id=8&embed=false');
    expect(status).toBe(200);
    expect(body.map((o) => o.id)).toEqual([4, 2]);
    expect(body[0]).not.toHaveProperty('user');
    expect(body[0]).not.toHaveProperty('product');
    expect(users.calls.length + products.calls.length).toBe(before);
  });

  test('When the alias /api/orders/user/:user_id is used, then it answers as ?user_id= does', async () => {
    const alias = await request<OrderWithParties[]>(url, 'GET', '/api/orders/user/7?embed=false');
    const query = await request<OrderWithParties[]>(url, 'GET', '/api/orders?user_id=7&embed=false');
    expect(alias.status).toBe(200);
    expect(alias.body).toEqual(query.body);
    expect(alias.headers.get('x-total-count')).toBe('3');
  });

  test('When a user has no orders, then an empty list and total 0, and no neighbour is asked about nobody', async () => {
    const before = users.calls.length + products.calls.length;
    const { body, headers } = await request<OrderWithParties[]>(url, 'GET', '/api/orders?user_id=99');
    expect(body).toEqual([]);
    expect(headers.get('x-total-count')).toBe('0');
    expect(users.calls.length + products.calls.length).toBe(before);
  });

  test.each([
    ['user_id=0', 'user_id'],
    ['user_id=abc', 'user_id'],
    ['embed=maybe', 'embed'],
    ['colour=red', 'colour'],
  ])('When the query has %s, then 400 naming %s', async (query, field) => {
    const { status, body } = await request<Problem>(url, 'GET', `/api/orders?${query}`);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
  });

  test.each([
    ['colour=red', 'colour'],
    ['user_id=2', 'user_id'],
    ['offset=1e30', 'offset'],
  ])('When the alias /api/orders/user/:user_id has %s in its query, then 400 naming %s, as the list does', async (query, field) => {
    const { status, body } = await request<Problem>(url, 'GET', `/api/orders/user/1?${query}`);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
  });
});
