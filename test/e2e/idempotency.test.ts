import type { ConsistencyReport, Order, Payment, Product, User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

/** A POST through the gateway, with the raw answer text (to compare replays byte for byte). */
async function post(url: string, path: string, body: unknown, key?: string) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { 'idempotency-key': key }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, replayed: response.headers.get('idempotent-replayed'), text: await response.text() };
}

/**
 * Rows A1–A3 of the reliability battery (concurrent and repeated payments, key mismatches) through
 * the gateway, against the real processes under the supervisor code on free ports. Each ends by
 * checking the money: an order is PAID iff it has exactly one completed payment equal to its total.
 */
describe('Paying once: concurrent payments and Idempotency-Key, end to end', () => {
  let system: SupervisedSystem;
  let user: User;
  let product: Product;

  const newOrder = async () => (await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 3 })).body;
  const paymentsOf = async (orderIds: readonly number[]) => {
    const query = orderIds.map((id) => `order_id=${id}`).join('&');
    return (await request<Payment[]>(system.url, 'GET', `/api/payments?${query}&limit=1000`)).body;
  };
  /** The invariant on these orders: PAID iff exactly one COMPLETED payment, for the order's total. */
  const violations = async (orderIds: readonly number[]) => {
    const payments = await paymentsOf(orderIds);
    const found: string[] = [];
    for (const id of orderIds) {
      const order = (await request<Order>(system.url, 'GET', `/api/orders/${id}`)).body;
      const completed = payments.filter((p) => p.order_id === id && p.status === 'COMPLETED');
      const paid = order.status === 'PAID';
      if (paid !== (completed.length === 1) || completed.length > 1) found.push(`order ${id}: ${order.status} with ${completed.length} completed payments`);
      if (completed[0] && completed[0].amount !== order.total) found.push(`order ${id}: paid ${completed[0].amount}, total ${order.total}`);
    }
    return found;
  };

  beforeAll(async () => {
    system = await startSupervisedSystem();
    user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Once', email: 'once@example.com' })).body;
    product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
  }, 90_000);
  afterAll(async () => {
    await system?.stop();
  });

  test('A1: when 50 payments for one order arrive at once (× 100 orders), then exactly one succeeds per order, the others are 409, and nothing is charged twice', async () => {
    const orderIds: number[] = [];
    const statuses = new Map<number, number>();
    for (let n = 0; n < 100; n++) {
      const order = await newOrder();
      orderIds.push(order.id);
      const answers = await Promise.all(Array.from({ length: 50 }, () => post(system.url, '/api/payments', { order_id: order.id })));
      for (const { status } of answers) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(49);
    }
    const payments = await paymentsOf(orderIds);
    console.log(`A1: 100 orders × 50 concurrent payments: ${[...statuses].map(([s, c]) => `${c} × ${s}`).join(', ')}; ${payments.length} payments stored`);
    expect(payments).toHaveLength(100);
    expect(payments.every((p) => p.status === 'COMPLETED' && p.amount === 2999.97)).toBe(true);
    expect(await violations(orderIds)).toEqual([]);
  }, 180_000);

  test('A2: when one Idempotency-Key is sent 20 times (10 at once, 10 after), then one payment exists and every success is the first answer byte for byte', async () => {
    const order = await newOrder();
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => post(system.url, '/api/payments', { order_id: order.id }, `pay-${order.id}`)));
    const after = await Promise.all(Array.from({ length: 10 }, () => post(system.url, '/api/payments', { order_id: order.id }, `pay-${order.id}`)));
    const successes = [...concurrent, ...after].filter((a) => a.status === 201);
    console.log(`A2: 10 concurrent → ${concurrent.map((a) => a.status).join(' ')}; 10 after → ${after.map((a) => a.status).join(' ')}`);
    expect(concurrent.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect(after.every((a) => a.status === 201 && a.replayed === 'true')).toBe(true);
    expect(new Set(successes.map((a) => a.text)).size).toBe(1);
    expect(await paymentsOf([order.id])).toHaveLength(1);
    expect(JSON.parse(successes[0]?.text ?? '{}')).toMatchObject({ order_id: order.id, status: 'COMPLETED', amount: 2999.97 });
    expect(await violations([order.id])).toEqual([]);

    // The same for placing an order: one order, whatever the retries.
    const before = Number((await fetch(`${system.url}/api/orders?limit=1`)).headers.get('x-total-count'));
    const placed = await Promise.all(Array.from({ length: 5 }, () => post(system.url, '/api/orders', { user_id: user.id, product_id: product.id, quantity: 1 }, 'place-once')));
    const replays = await Promise.all(Array.from({ length: 5 }, () => post(system.url, '/api/orders', { user_id: user.id, product_id: product.id, quantity: 1 }, 'place-once')));
    expect(new Set([...placed, ...replays].filter((a) => a.status === 201).map((a) => a.text)).size).toBe(1);
    expect(Number((await fetch(`${system.url}/api/orders?limit=1`)).headers.get('x-total-count'))).toBe(before + 1);
  });

  test('A3: when a key comes back with another body, then 422; an over-long key is 400; neither stores anything', async () => {
    const order = await newOrder();
    const other = await newOrder();
    expect((await post(system.url, '/api/payments', { order_id: order.id }, 'a3-key')).status).toBe(201);
    const mismatch = await post(system.url, '/api/payments', { order_id: other.id }, 'a3-key');
    expect(mismatch.status).toBe(422);
    expect(JSON.parse(mismatch.text)).toMatchObject({ status: 422, invalid_params: [{ name: 'Idempotency-Key' }] });
    const long = await post(system.url, '/api/payments', { order_id: other.id }, 'x'.repeat(256));
    expect(long.status).toBe(400);
    expect(JSON.parse(long.text)).toMatchObject({ status: 400, invalid_params: [{ name: 'Idempotency-Key' }] });
    expect(await paymentsOf([other.id])).toEqual([]);
    expect((await request<Order>(system.url, 'GET', `/api/orders/${other.id}`)).body.status).toBe('PENDING');
    expect(await violations([order.id, other.id])).toEqual([]);
  });

  test('After A1-A3, the consistency checker finds 0 violations, and the provider charged each paid order once', async () => {
    const { status, body } = await request<ConsistencyReport>(system.url, 'GET', '/api/consistency');
    expect(status).toBe(200);
    expect(body.violations).toEqual([]);
    expect(body.in_flight).toEqual([]);
    expect(body.unavailable).toEqual([]);
    // 100 (A1) + 1 (A2) + 1 (A3) payments, each charged once: no retry or race charged twice.
    expect(body).toMatchObject({ payments_checked: 102, charges_checked: 102, ok: true });
  });
});
