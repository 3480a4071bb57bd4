import type { App } from '@microshop/chassis';
import type { Problem, Product } from '@microshop/contracts';
import { createTestDatabase, DIALECTS, listenOnFreePort, request, type TestDatabase } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { ProductTables } from '../src/data/tables.js';

describe.each(DIALECTS)('Product service on %s', (dialect) => {
  let testDb: TestDatabase<ProductTables>;
  let app: App;
  let url: string;
  const countProducts = async () => (await testDb.database.db.selectFrom('products').selectAll().execute()).length;

  beforeAll(async () => {
    testDb = await createTestDatabase<ProductTables>(dialect, migrations);
    app = await buildApp({ database: testDb.database, logLevel: false });
    url = await listenOnFreePort(app);
  });
  afterAll(async () => {
    await app.close();
    await testDb.drop();
  });

  test('When the spec\'s laptop is created, then 201 with price 999.99, stored as 99999 cents', async () => {
    const { status, body } = await request<Product>(url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 });
    expect(status).toBe(201);
    expect(body).toEqual({ id: expect.any(Number), name: 'Laptop', price: 999.99, description: null, created_at: expect.any(String) });
    const row = await testDb.database.db.selectFrom('products').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(row.price_cents).toBe(99999);
    expect(await request(url, 'GET', `/api/products/${body.id}`)).toMatchObject({ status: 200, body });
  });

  test('When a product has a description, then it is kept', async () => {
    const { body } = await request<Product>(url, 'POST', '/api/products', { name: 'Mouse', price: 25.5, description: 'Wireless' });
    expect(body).toMatchObject({ price: 25.5, description: 'Wireless' });
  });

  test.each([
    ['a zero price', { name: 'X', price: 0 }, 'price'],
    ['a negative price', { name: 'X', price: -1 }, 'price'],
    ['three decimals', { name: 'X', price: 1.005 }, 'price'],
    // Found by the fuzzing of the public API: the smallest double was taken for 0 cents, a 500.
    ['a price that is no whole number of cents, however close to 0', { name: 'X', price: 5e-324 }, 'price'],
    ['a price a hair over two decimals', { name: 'X', price: 1.000000001 }, 'price'],
    ['a price as text', { name: 'X', price: '9.99' }, 'price'],
    ['an absurd price', { name: 'X', price: 1e12 }, 'price'],
    ['a missing price', { name: 'X' }, 'price'],
    ['a missing name', { price: 1 }, 'name'],
    ['an unknown field', { name: 'X', price: 1, colour: 'red' }, 'colour'],
    ['the units received chosen by the client', { name: 'X', price: 1, stock: 5, stock_received: 50 }, 'stock_received'],
    ['a null description', { name: 'X', price: 1, description: null }, 'description'],
  ])('When the body has %s, then 400 naming the field, and nothing is stored', async (_case, payload, field) => {
    const before = await countProducts();
    const { status, body } = await request<Problem>(url, 'POST', '/api/products', payload);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
    expect(await countProducts()).toBe(before);
  });

  test('When products are listed, then newest first with X-Total-Count, and several can be fetched by id', async () => {
    const a = await request<Product>(url, 'POST', '/api/products', { name: 'A', price: 1 });
    const b = await request<Product>(url, 'POST', '/api/products', { name: 'B', price: 2 });
    const list = await request<Product[]>(url, 'GET', '/api/products?limit=2');
    expect(list.body.map((p) => p.id)).toEqual([b.body.id, a.body.id]);
    expect(list.headers.get('x-total-count')).toBe(String(await countProducts()));
    const some = await request<Product[]>(url, 'GET', `/api/products?id=${a.body.id}&id=${b.body.id}`);
    expect(some.body.map((p) => p.name).sort()).toEqual(['A', 'B']);
  });

  test('When an unknown product is asked for, then 404 problem+json', async () => {
    const { status, headers, body } = await request<Problem>(url, 'GET', '/api/products/424242');
    expect(status).toBe(404);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body.detail).toContain('424242');
  });
});
