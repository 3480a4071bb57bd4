import type { Order, Payment, Problem, Product, User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { databaseRows, type RowCounter } from '../security/rows.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';
import { TOPOLOGY } from './support/topology.js';

/** A field only the server may set, and a value a client might try to give it. */
type Forbidden = readonly [field: string, value: unknown];

const NOT_MINE: readonly Forbidden[] = [
  ['id', 999],
  ['created_at', '2000-01-01T00:00:00.000Z'],
];

/**
 * Row E2 of the reliability battery: on every public create and update, the fields the server
 * computes (ids, statuses, totals, amounts, times, stock) sent by the client are refused with a 400
 * naming the field, and nothing is stored; the server computes them itself. Through the real
 * gateway on real processes; rows counted in the services' SQLite files.
 */
describe(`E2: mass assignment through the gateway (${TOPOLOGY})`, () => {
  let system: SupervisedSystem;
  let rows: RowCounter;
  let user: User;
  let laptop: Product;
  let stocked: Product;
  let pending: Order;

  beforeAll(async () => {
    system = await startSupervisedSystem({ gatewayEnv: { RATE_LIMIT_RPS: '0' } });
    rows = databaseRows(system.databaseDir);
    user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Ann Lee', email: 'ann@example.com' })).body;
    laptop = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
    stocked = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Cable', price: 10, stock: 5 })).body;
    pending = (await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: laptop.id, quantity: 1 })).body;
  }, 90_000);
  afterAll(async () => {
    rows?.close();
    await system?.stop();
  });

  const CASES: ReadonlyArray<readonly [string, () => string, () => Record<string, unknown>, readonly Forbidden[]]> = [
    ['POST /api/users', () => '/api/users', () => ({ name: 'Mallory', email: 'mallory@example.com' }), [...NOT_MINE, ['is_admin', true]]],
    ['POST /api/products', () => '/api/products', () => ({ name: 'Phone', price: 499.99 }), [...NOT_MINE, ['stock_received', 1_000_000]]],
    [
      'POST /api/orders',
      () => '/api/orders',
      () => ({ user_id: user.id, product_id: laptop.id, quantity: 3 }),
      [...NOT_MINE, ['status', 'PAID'], ['total', 0.01], ['total_price', 0.01], ['price', 0.01], ['cancel_reason', 'cancelled'], ['expires_at', '2100-01-01T00:00:00.000Z'], ['stock', 'RESERVED']],
    ],
    ['POST /api/payments', () => '/api/payments', () => ({ order_id: pending.id }), [...NOT_MINE, ['status', 'COMPLETED'], ['amount', 0.01], ['step', 'confirm'], ['reason', 'none'], ['charge_id', 'ch_free']]],
    ['POST /api/products/:id/restock', () => `/api/products/${stocked.id}/restock`, () => ({ quantity: 1 }), [['stock', 1_000_000], ['price', 0.01], ['id', 999]]],
    ['POST /api/orders/:id/cancel', () => `/api/orders/${pending.id}/cancel`, () => ({}), [['status', 'CANCELLED'], ['reason', 'payment_failed'], ['cancel_reason', 'expired'], ['total', 0]]],
  ];

  test.each(CASES.flatMap(([name, path, body, forbidden]) => forbidden.map(([field, value]) => [name, field, path, body, value] as const)))(
    'When %s carries %s, then 400 naming it, and nothing is stored or changed',
    async (_name, field, path, body, value) => {
      const before = await rows.count();
      const stock = (await request<Product>(system.url, 'GET', `/api/products/${stocked.id}`)).body.stock;
      const { status, headers, body: problem } = await request<Problem>(system.url, 'POST', path(), { ...body(), [field]: value });
      expect(status).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(problem).toMatchObject({ status: 400, field });
      expect(problem.invalid_params).toContainEqual({ name: field, reason: 'is not a known field' });
      expect(await rows.count()).toEqual(before);
      // The updates changed nothing either: the stock is as it was, the order still PENDING.
      expect((await request<Product>(system.url, 'GET', `/api/products/${stocked.id}`)).body.stock).toBe(stock);
      expect((await request<Order>(system.url, 'GET', `/api/orders/${pending.id}`)).body.status).toBe('PENDING');
    },
  );

  test('When a create carries several server fields, then every one is named, and nothing is stored', async () => {
    const before = await rows.count();
    const { status, body } = await request<Problem>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: laptop.id, quantity: 3, status: 'PAID', total: 0.01, id: 1 });
    expect(status).toBe(400);
    expect(body.invalid_params?.map((param) => param.name).sort()).toEqual(['id', 'status', 'total']);
    expect(await rows.count()).toEqual(before);
  });

  test("When the same creates carry only their documented fields, then the server computes the rest: the spec's total 999.99 × 3 = 2999.97, PENDING, then a payment of 2999.97, COMPLETED, and the order PAID", async () => {
    const before = await rows.count();
    const order = await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: laptop.id, quantity: 3 });
    expect(order).toMatchObject({ status: 201, body: { user_id: user.id, product_id: laptop.id, quantity: 3, total: 2999.97, status: 'PENDING' } });
    expect(order.body.id).toBeGreaterThan(pending.id);
    const payment = await request<Payment>(system.url, 'POST', '/api/payments', { order_id: order.body.id });
    expect(payment).toMatchObject({ status: 201, body: { order_id: order.body.id, amount: 2999.97, status: 'COMPLETED' } });
    expect((await request<Order>(system.url, 'GET', `/api/orders/${order.body.id}`)).body.status).toBe('PAID');
    expect(await rows.count()).toEqual({ ...before, orders: before.orders + 1, payments: before.payments + 1 });
    // And an update with no field at all does what it says.
    expect(await request<Order>(system.url, 'POST', `/api/orders/${pending.id}/cancel`)).toMatchObject({ status: 200, body: { status: 'CANCELLED', cancel_reason: 'cancelled' } });
    expect(await request<Product>(system.url, 'POST', `/api/products/${stocked.id}/restock`, { quantity: 2 })).toMatchObject({ status: 200, body: { stock: 7 } });
  });
});
