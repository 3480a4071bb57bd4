import { DEFAULT_RESILIENCE_SETTINGS, type App } from '@microshop/chassis';
import { SERVICE_TOKEN_HEADER, type Order, type OrderStatus, type Payment, type Problem } from '@microshop/contracts';
import { createTestDatabase, DIALECTS, listenOnFreePort, request, startFakeService, type FakeService, type RecordedCall, type TestDatabase } from '@microshop/testkit';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { PaymentTables } from '../src/data/tables.js';

const CALL_TIMEOUT_MS = 300;
/** A PUT is idempotent: the client tries a failing one this many times (a hang uses up the budget in one). */
const ATTEMPTS = DEFAULT_RESILIENCE_SETTINGS.retry_max_attempts;
/** Long enough that no test outlives it by accident: tests move the app's clock past it instead. */
const PENDING_GRACE_MS = 10_000;
const SERVICE_TOKEN = 'payment-api-test-service-token';
const CREATED_AT = '2024-05-01T10:00:00.000Z';

const orderOf = (id: number, total: number, status: OrderStatus): Order => ({ id, user_id: 1, product_id: 2, quantity: 3, total, status, created_at: CREATED_AT });
const problem = (status: number, detail: string) => ({ status, body: { type: '/problems/x', title: 'Problem', status, detail } });
const puts = (fake: FakeService) => fake.calls.filter((c) => c.method === 'PUT');
const gets = (fake: FakeService) => fake.calls.filter((c) => c.method === 'GET');

/** Options of the Order fake's status endpoint, for one test. */
interface DeskBehaviour {
  putDelayMs?: number;
}

describe.each(DIALECTS)('Payment service on %s', (dialect) => {
  let testDb: TestDatabase<PaymentTables>;
  let orderService: FakeService;
  let app: App;
  let url: string;
  let nextOrderId = 1000;
  /** The app's clock runs with real time, moved forward by this much. */
  let clockSkewMs = 0;

  const paymentRows = (orderId?: number) => {
    const query = testDb.database.db.selectFrom('payments').selectAll().orderBy('id');
    return (orderId === undefined ? query : query.where('order_id', '=', orderId)).execute();
  };
  const countPayments = async () => (await paymentRows()).length;
  const pay = <T = Payment>(body: unknown) => request<T>(url, 'POST', '/api/payments', body);
  const passGracePeriod = () => {
    clockSkewMs += PENDING_GRACE_MS + 1;
  };

  /**
   * Makes the Order fake behave like the Order service for these orders: GET answers the order or
   * 404; PUT status PAID moves PENDING to PAID (200), repeats PAID (200) and refuses CANCELLED (409).
   */
  function serveOrders(orders: Order[], { putDelayMs }: DeskBehaviour = {}): Map<number, Order> {
    const byId = new Map(orders.map((o) => [o.id, { ...o }]));
    orderService.on('GET', '/api/orders/:id', (_call, { id }) => {
      const order = byId.get(Number(id));
      return order ? { body: order } : problem(404, `No order with id ${id}`);
    });
    orderService.on('PUT', '/api/orders/:id/status', (call, { id }) => {
      const order = byId.get(Number(id));
      if (!order) return problem(404, `No order with id ${id}`);
      const to = (call.body as { status?: OrderStatus } | undefined)?.status;
      if (to !== 'PAID') return problem(400, 'status: unexpected');
      if (order.status === 'CANCELLED') return problem(409, `Order ${id} is CANCELLED; it cannot become PAID`);
      order.status = 'PAID';
      return { body: order, ...(putDelayMs ? { delayMs: putDelayMs } : {}) };
    });
    return byId;
  }

  beforeAll(async () => {
    testDb = await createTestDatabase<PaymentTables>(dialect, migrations);
  });
  afterAll(async () => {
    await testDb.drop();
  });

  beforeEach(async () => {
    orderService = await startFakeService();
    app = await buildApp({
      database: testDb.database,
      orderService: orderService.url,
      serviceToken: SERVICE_TOKEN,
      timeoutMs: CALL_TIMEOUT_MS,
      pendingGraceMs: PENDING_GRACE_MS,
      now: () => new Date(Date.now() + clockSkewMs),
      logLevel: false,
    });
    url = await listenOnFreePort(app);
  });
  afterEach(async () => {
    await app.close();
    await orderService.close();
  });

  describe('Paying an order', () => {
    test("When the spec's order 1 (total 2999.97, PENDING) is paid, then 201 COMPLETED for 2999.97, stored as 299997 cents, and the order is set PAID with the service credential", async () => {
      orderService.on('GET', '/api/orders/:id', () => ({ body: orderOf(1, 2999.97, 'PENDING') }));
      orderService.on('PUT', '/api/orders/:id/status', () => ({ body: orderOf(1, 2999.97, 'PAID') }));

      const { status, headers, body } = await pay({ order_id: 1 });

      expect(status).toBe(201);
      expect(headers.get('content-type')).toContain('application/json');
      expect(body).toEqual({ id: expect.any(Number), order_id: 1, amount: 2999.97, status: 'COMPLETED', created_at: expect.any(String) });
      expect(new Date(body.created_at).toISOString()).toBe(body.created_at);

      expect(await paymentRows(1)).toEqual([
        { id: body.id, order_id: 1, amount_cents: 299997, status: 'COMPLETED', created_at: body.created_at, updated_at: expect.any(String) },
      ]);

      expect(orderService.calls).toHaveLength(2);
      const [read, update] = orderService.calls as [RecordedCall, RecordedCall];
      expect(read).toMatchObject({ method: 'GET', path: '/api/orders/1', body: undefined });
      expect(update).toMatchObject({ method: 'PUT', path: '/api/orders/1/status', body: { status: 'PAID' } });
      expect(update.headers[SERVICE_TOKEN_HEADER]).toBe(SERVICE_TOKEN);
      expect(update.headers['content-type']).toContain('application/json');
      expect([...update.query]).toEqual([]);
    });

    test('When an order is paid, then PaymentCompleted is recorded with the payment, in the same transaction as COMPLETED', async () => {
      orderService.on('GET', '/api/orders/:id', () => ({ body: orderOf(41, 2999.97, 'PENDING') }));
      orderService.on('PUT', '/api/orders/:id/status', () => ({ body: orderOf(41, 2999.97, 'PAID') }));
      const { status, body } = await pay({ order_id: 41 });
      expect(status).toBe(201);
      const rows = await testDb.database.db.selectFrom('outbox').select(['type', 'subject', 'envelope']).where('subject', '=', `payment/${(body as { id: number }).id}`).execute();
      expect(rows.map((r) => [r.type, JSON.parse(r.envelope).data])).toEqual([['PaymentCompleted', { payment_id: (body as { id: number }).id, order_id: 41, amount: 2999.97 }]]);
    });

    test.each([
      [0.1, 10],
      [19.99, 1999],
      [139.93, 13993],
      [10000000000, 1000000000000],
    ])('When an order totals %d, then the payment is exactly that amount (%d cents stored)', async (total, cents) => {
      const orderId = nextOrderId++;
      serveOrders([orderOf(orderId, total, 'PENDING')]);
      const { status, body } = await pay({ order_id: orderId });
      expect(status).toBe(201);
      expect(body.amount).toBe(total);
      expect(await paymentRows(orderId)).toMatchObject([{ amount_cents: cents, status: 'COMPLETED' }]);
    });

    test('When the order does not exist, then 404 naming order_id, nothing is stored, and no status update is sent', async () => {
      const orderId = nextOrderId++;
      serveOrders([]);
      const before = await countPayments();
      const { status, headers, body } = await pay<Problem>({ order_id: orderId });
      expect(status).toBe(404);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 404, field: 'order_id' });
      expect(body.detail).toContain(String(orderId));
      expect(await countPayments()).toBe(before);
      expect(gets(orderService)).toMatchObject([{ path: `/api/orders/${orderId}` }]);
      expect(puts(orderService)).toEqual([]);
    });

    test.each([['PAID'], ['CANCELLED']] as const)('When the order is %s, then 409 naming order_id, nothing is stored, and no status update is sent', async (orderStatus) => {
      const orderId = nextOrderId++;
      serveOrders([orderOf(orderId, 10, orderStatus)]);
      const before = await countPayments();
      const { status, headers, body } = await pay<Problem>({ order_id: orderId });
      expect(status).toBe(409);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 409, field: 'order_id' });
      expect(body.detail).toContain(orderStatus);
      expect(await countPayments()).toBe(before);
      expect(puts(orderService)).toEqual([]);
    });

    test('When an order is paid twice, then the second is 409 and there is still one payment', async () => {
      const orderId = nextOrderId++;
      serveOrders([orderOf(orderId, 42.5, 'PENDING')]);
      const first = await pay({ order_id: orderId });
      expect(first.status).toBe(201);

      const second = await pay<Problem>({ order_id: orderId });
      expect(second.status).toBe(409);
      expect(second.headers.get('content-type')).toContain('application/problem+json');
      expect(second.body).toMatchObject({ status: 409, field: 'order_id' });
      expect(await paymentRows(orderId)).toMatchObject([{ id: first.body.id, status: 'COMPLETED', amount_cents: 4250 }]);
      expect(puts(orderService)).toHaveLength(1);
    });

    test('When 30 payments race for each of 3 orders, then per order exactly one is 201, the others 409, one payment is stored and the order is set PAID once', async () => {
      const orderIds = [nextOrderId++, nextOrderId++, nextOrderId++];
      serveOrders(
        orderIds.map((id) => orderOf(id, 2999.97, 'PENDING')),
        { putDelayMs: 50 },
      );

      const attempts = orderIds.flatMap((orderId) => Array.from({ length: 30 }, () => orderId));
      const answers = await Promise.all(attempts.map((orderId) => pay({ order_id: orderId })));

      for (const orderId of orderIds) {
        const mine = answers.filter((_a, i) => attempts[i] === orderId);
        const winners = mine.filter((a) => a.status === 201);
        expect(winners).toHaveLength(1);
        expect(mine.filter((a) => a.status === 409)).toHaveLength(29);
        const rows = await paymentRows(orderId);
        expect(rows).toEqual([expect.objectContaining({ id: winners[0]?.body.id, status: 'COMPLETED', amount_cents: 299997 })]);
        expect(puts(orderService).filter((c) => c.path === `/api/orders/${orderId}/status`)).toHaveLength(1);
      }
    });
  });

  describe('Paying when the Order service refuses or fails', () => {
    test('When the Order service refuses to set the order PAID (cancelled meanwhile), then 409, the payment is FAILED, and a later payment of the order may succeed', async () => {
      const orderId = nextOrderId++;
      orderService.on('GET', '/api/orders/:id', () => ({ body: orderOf(orderId, 12.34, 'PENDING') }));
      orderService.on('PUT', '/api/orders/:id/status', () => problem(409, `Order ${orderId} is CANCELLED; it cannot become PAID`));

      const refused = await pay<Problem>({ order_id: orderId });
      expect(refused.status).toBe(409);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ status: 409, field: 'order_id' });
      const [failed] = await paymentRows(orderId);
      expect(await paymentRows(orderId)).toEqual([expect.objectContaining({ order_id: orderId, amount_cents: 1234, status: 'FAILED' })]);
      expect(puts(orderService)).toHaveLength(1);

      serveOrders([orderOf(orderId, 12.34, 'PENDING')]);
      const later = await pay({ order_id: orderId });
      expect(later.status).toBe(201);
      expect(later.body).toMatchObject({ order_id: orderId, amount: 12.34, status: 'COMPLETED' });
      expect(later.body.id).not.toBe(failed?.id);
      expect((await paymentRows(orderId)).map((r) => r.status)).toEqual(['FAILED', 'COMPLETED']);
      expect(puts(orderService)).toHaveLength(2);
    });

    test('When the Order service is down, then 503 naming order-service at once, and nothing is stored', async () => {
      await orderService.close();
      const before = await countPayments();
      const started = performance.now();
      const { status, headers, body } = await pay<Problem>({ order_id: nextOrderId++ });
      const elapsed = performance.now() - started;
      expect(status).toBe(503);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(headers.get('retry-after')).toBe('1');
      expect(body).toMatchObject({ status: 503, service: 'order-service' });
      expect(body.detail).toMatch(/order-service is unreachable/);
      expect(elapsed).toBeLessThan(CALL_TIMEOUT_MS);
      expect(await countPayments()).toBe(before);
    });

    test('When the Order service hangs on the read, then 503 naming order-service within the call timeout, and nothing is stored', async () => {
      orderService.on('GET', '/api/orders/:id', () => ({ hang: true }));
      const before = await countPayments();
      const started = performance.now();
      const { status, body } = await pay<Problem>({ order_id: nextOrderId++ });
      const elapsed = performance.now() - started;
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 503, service: 'order-service' });
      expect(body.detail).toContain(`did not answer within ${CALL_TIMEOUT_MS} ms`);
      expect(elapsed).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(CALL_TIMEOUT_MS + 700);
      expect(await countPayments()).toBe(before);
      expect(puts(orderService)).toEqual([]);
    });

    test('When the Order service answers the read with 500, then 502 naming order-service, and nothing is stored', async () => {
      orderService.on('GET', '/api/orders/:id', () => problem(500, 'boom'));
      const before = await countPayments();
      const { status, headers, body } = await pay<Problem>({ order_id: nextOrderId++ });
      expect(status).toBe(502);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 502, service: 'order-service' });
      expect(await countPayments()).toBe(before);
      expect(puts(orderService)).toEqual([]);
    });

    test.each([
      ['the total as text', (id: number) => ({ ...orderOf(id, 1, 'PENDING'), total: '2999.97' })],
      ['no total', (id: number) => ({ id, user_id: 1, product_id: 2, quantity: 3, status: 'PENDING', created_at: CREATED_AT })],
      ['an unknown status', (id: number) => ({ ...orderOf(id, 1, 'PENDING'), status: 'NEW' })],
      ['an empty body', () => undefined],
      ['a total with three decimals', (id: number) => orderOf(id, 2999.975, 'PENDING')],
      ['a total of 0', (id: number) => orderOf(id, 0, 'PENDING')],
      ['a negative total', (id: number) => orderOf(id, -10, 'PENDING')],
    ])('When the Order service answers the read with %s, then 502 naming order-service, nothing is stored, and no status update is sent', async (_case, answer) => {
      const orderId = nextOrderId++;
      orderService.on('GET', '/api/orders/:id', () => ({ body: answer(orderId) }));
      orderService.on('PUT', '/api/orders/:id/status', () => ({ body: orderOf(orderId, 1, 'PAID') }));
      const before = await countPayments();
      const { status, headers, body } = await pay<Problem>({ order_id: orderId });
      expect(status).toBe(502);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 502, service: 'order-service' });
      expect(await countPayments()).toBe(before);
      expect(puts(orderService)).toEqual([]);
    });

    test.each([
      ['answers 503', 503, ATTEMPTS, () => problem(503, 'busy')],
      ['hangs', 503, 1, () => ({ hang: true })],
      ['answers 500', 502, ATTEMPTS, () => problem(500, 'boom')],
      ['answers 200 with the order still PENDING', 502, 1, (id: number) => ({ body: orderOf(id, 77.7, 'PENDING') })],
      ['answers 401 (the credential is refused)', 502, 1, () => problem(401, 'credential required')],
    ])(
      'When the Order service %s to the status update, then %d, the payment stays PENDING, and after the grace period the same request finishes that payment',
      async (_case, expected, sent, failure) => {
        const orderId = nextOrderId++;
        orderService.on('GET', '/api/orders/:id', () => ({ body: orderOf(orderId, 77.7, 'PENDING') }));
        orderService.on('PUT', '/api/orders/:id/status', () => failure(orderId));

        const failed = await pay<Problem>({ order_id: orderId });
        expect(failed.status).toBe(expected);
        expect(failed.headers.get('content-type')).toContain('application/problem+json');
        expect(failed.body).toMatchObject({ status: expected, service: 'order-service' });
        expect(failed.body.detail).toContain('PENDING');
        const [pending] = await paymentRows(orderId);
        expect(await paymentRows(orderId)).toEqual([expect.objectContaining({ order_id: orderId, amount_cents: 7770, status: 'PENDING' })]);
        expect(puts(orderService)).toHaveLength(sent);

        const tooSoon = await pay<Problem>({ order_id: orderId });
        expect(tooSoon.status).toBe(409);
        expect(tooSoon.body).toMatchObject({ status: 409, field: 'order_id' });
        expect(tooSoon.body.detail).toContain('in progress');
        expect(puts(orderService)).toHaveLength(sent);

        serveOrders([orderOf(orderId, 77.7, 'PENDING')]);
        passGracePeriod();
        const retried = await pay({ order_id: orderId });
        expect(retried.status).toBe(201);
        expect(retried.body).toMatchObject({ id: pending?.id, order_id: orderId, amount: 77.7, status: 'COMPLETED' });
        expect(await paymentRows(orderId)).toEqual([expect.objectContaining({ id: pending?.id, status: 'COMPLETED', amount_cents: 7770 })]);
        expect(puts(orderService)).toHaveLength(sent + 1);
        expect(puts(orderService)[sent]?.headers[SERVICE_TOKEN_HEADER]).toBe(SERVICE_TOKEN);
      },
    );

    test('When 10 retries race to finish a payment left PENDING past its grace period, then one 201, the others 409 in progress, and one status update', async () => {
      const orderId = nextOrderId++;
      orderService.on('GET', '/api/orders/:id', () => ({ body: orderOf(orderId, 5, 'PENDING') }));
      orderService.on('PUT', '/api/orders/:id/status', () => problem(503, 'busy'));
      expect((await pay({ order_id: orderId })).status).toBe(503);
      const [pending] = await paymentRows(orderId);

      serveOrders([orderOf(orderId, 5, 'PENDING')], { putDelayMs: 50 });
      passGracePeriod();
      const answers = await Promise.all(Array.from({ length: 10 }, () => pay({ order_id: orderId })));

      expect(answers.filter((a) => a.status === 201)).toMatchObject([{ body: { id: pending?.id, status: 'COMPLETED' } }]);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
      expect(await paymentRows(orderId)).toEqual([expect.objectContaining({ id: pending?.id, status: 'COMPLETED' })]);
      // The first payment's PUT was tried ATTEMPTS times (503 each); the race sent exactly one more.
      expect(puts(orderService)).toHaveLength(ATTEMPTS + 1);
    });

    test('When a payment left PENDING is retried after the order was cancelled, then 409 and the payment is FAILED', async () => {
      const orderId = nextOrderId++;
      orderService.on('GET', '/api/orders/:id', () => ({ body: orderOf(orderId, 5, 'PENDING') }));
      orderService.on('PUT', '/api/orders/:id/status', () => problem(503, 'busy'));
      expect((await pay({ order_id: orderId })).status).toBe(503);

      serveOrders([orderOf(orderId, 5, 'CANCELLED')]);
      passGracePeriod();
      const retried = await pay({ order_id: orderId });
      expect(retried.status).toBe(409);
      expect(retried.body).toMatchObject({ status: 409, field: 'order_id' });
      expect(await paymentRows(orderId)).toEqual([expect.objectContaining({ status: 'FAILED' })]);
    });
  });

  describe('Bad requests', () => {
    test.each([
      ['no order_id', {}, 'order_id'],
      ['an order_id as text', { order_id: '1' }, 'order_id'],
      ['an order_id of 0', { order_id: 0 }, 'order_id'],
      ['a negative order_id', { order_id: -5 }, 'order_id'],
      ['a fractional order_id', { order_id: 1.5 }, 'order_id'],
      ['an unknown field', { order_id: 1, card: '4111' }, 'card'],
      ['an amount chosen by the client', { order_id: 1, amount: 0.01 }, 'amount'],
      ['a status chosen by the client', { order_id: 1, status: 'COMPLETED' }, 'status'],
      ['malformed JSON', '{"order_id": ', 'body'],
    ])('When the body has %s, then 400 naming the field, nothing is stored, and the Order service is not called', async (_case, payload, field) => {
      const before = await countPayments();
      const { status, headers, body } = await pay<Problem>(payload);
      expect(status).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body.status).toBe(400);
      expect(body.field).toBe(field);
      expect(await countPayments()).toBe(before);
      expect(orderService.calls).toEqual([]);
    });
  });

  test('When the body is over the size limit, then 413, nothing is stored, and the Order service is not called', async () => {
    const before = await countPayments();
    const { status, headers, body } = await pay<Problem>({ order_id: 1, note: 'x'.repeat(70_000) });
    expect(status).toBe(413);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body).toMatchObject({ status: 413, field: 'body' });
    expect(await countPayments()).toBe(before);
    expect(orderService.calls).toEqual([]);
  });

  test('When health is asked, then ok with the database check, and the Order service is not called', async () => {
    expect(await request(url, 'GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok', service: 'payment-service', checks: { database: 'ok' } } });
    expect(orderService.calls).toEqual([]);
  });

  describe('Listing payments', () => {
    test('When payments are listed, then newest first, as decimals, paginated, with the total in X-Total-Count', async () => {
      const seeded = [];
      for (const [cents, status] of [
        [100, 'COMPLETED'],
        [2550, 'FAILED'],
        [299997, 'PENDING'],
      ] as const) {
        seeded.push(
          await testDb.database.db
            .insertInto('payments')
            .values({ order_id: nextOrderId++, amount_cents: cents, status, created_at: CREATED_AT, updated_at: CREATED_AT })
            .returningAll()
            .executeTakeFirstOrThrow(),
        );
      }
      const total = await countPayments();

      const top = await request<Payment[]>(url, 'GET', '/api/payments?limit=3');
      expect(top.status).toBe(200);
      expect(top.headers.get('x-total-count')).toBe(String(total));
      expect(top.body).toEqual(
        [...seeded].reverse().map((row) => ({ id: row.id, order_id: row.order_id, amount: row.amount_cents / 100, status: row.status, created_at: CREATED_AT })),
      );

      const all = await request<Payment[]>(url, 'GET', '/api/payments');
      expect(all.body).toHaveLength(Math.min(total, 100));
      expect(all.body.map((p) => p.id)).toEqual([...all.body.map((p) => p.id)].sort((a, b) => b - a));
      const page = await request<Payment[]>(url, 'GET', '/api/payments?limit=2&offset=1');
      expect(page.body).toEqual(all.body.slice(1, 3));
      expect(page.headers.get('x-total-count')).toBe(String(total));
      expect(orderService.calls).toEqual([]);
    });

    test.each([
      ['limit=0', 'limit'],
      ['offset=-1', 'offset'],
      ['limit=ten', 'limit'],
    ])('When payments are listed with %s, then 400 naming %s', async (query, field) => {
      const { status, headers, body } = await request<Problem>(url, 'GET', `/api/payments?${query}`);
      expect(status).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body.field).toBe(field);
    });
  });
});
