import type { App } from '@microshop/chassis';
import type { Payment, PaymentStatus, Problem } from '@microshop/contracts';
import { createTestDatabase, DIALECTS, listenOnFreePort, request, type TestDatabase } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { PaymentTables } from '../src/data/tables.js';
import { keys, RUNNING_ELSEWHERE, seedPayment } from './payment-harness.js';

describe.each(DIALECTS)('Payments of some orders, on %s', (dialect) => {
  let testDb: TestDatabase<PaymentTables>;
  let app: App;
  let url: string;

  beforeAll(async () => {
    testDb = await createTestDatabase<PaymentTables>(dialect, migrations);
    // No neighbour is called to list payments: both addresses lead nowhere.
    app = await buildApp({ database: testDb.database, orderService: 'http://127.0.0.1:9', provider: 'http://127.0.0.1:9', identity: keys.identity('payment-service'), timeoutMs: 300, logLevel: false });
    url = await listenOnFreePort(app);
    const rows: [number, number, PaymentStatus][] = [
      [1, 1000, 'FAILED'],
      [1, 1000, 'COMPLETED'],
      [2, 2000, 'COMPLETED'],
      [3, 3000, 'PENDING'],
      [4, 4000, 'COMPLETED'],
      [5, 5000, 'REFUNDED'],
    ];
    for (const [order_id, amount_cents, status] of rows) {
      await seedPayment(testDb.database.db, { order_id, amount_cents, status, ...(status === 'PENDING' ? RUNNING_ELSEWHERE : {}) });
    }
  });
  afterAll(async () => {
    await app.close();
    await testDb.drop();
  });

  test('When payments are asked for by order ids, then every payment of those orders comes back, whatever its status', async () => {
    const { status, headers, body } = await request<Payment[]>(url, 'GET', '/api/payments?order_id=1&order_id=3&order_id=5&order_id=99');
    expect(status).toBe(200);
    expect(body.map((p) => [p.order_id, p.status])).toEqual([
      [5, 'REFUNDED'],
      [3, 'PENDING'],
      [1, 'COMPLETED'],
      [1, 'FAILED'],
    ]);
    expect(headers.get('x-total-count')).toBe('4');
  });

  test('When one order id is given, then it is a list of one id', async () => {
    const { body } = await request<Payment[]>(url, 'GET', '/api/payments?order_id=4');
    expect(body).toEqual([expect.objectContaining({ order_id: 4, amount: 40, status: 'COMPLETED' })]);
  });

  test('When an order id is not a positive integer, then 400 naming it', async () => {
    expect(await request<Problem>(url, 'GET', '/api/payments?order_id=0')).toMatchObject({ status: 400, body: { field: 'order_id.0' } });
    expect(await request<Problem>(url, 'GET', '/api/payments?order_id=2&order_id=x')).toMatchObject({ status: 400, body: { field: 'order_id.1' } });
  });
});
