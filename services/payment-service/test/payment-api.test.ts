import { IDEMPOTENCY_KEY_HEADER, SERVICE_TOKEN_HEADER, type Payment, type Problem } from '@microshop/contracts';
import { callerIn, DIALECTS, request } from '@microshop/testkit';
import { describe, expect, test } from 'vitest';
import { SAGA_CRASH_POINTS } from '../src/domain/saga.js';
import {
  CALL_TIMEOUT_MS,
  countPayments,
  eventsOf,
  INSTANCE_ID,
  keys,
  pay,
  paymentRows,
  RUNNING_ELSEWHERE,
  sagaOf,
  seedPayment,
  usePaymentService,
} from './payment-harness.js';

const CREATED_AT = '2024-05-01T10:00:00.000Z';
/** An order as the Order service answers it, for the reads that answer something else. */
const order = (id: number) => ({ id, user_id: 1, product_id: 2, quantity: 3, total: 2999.97, status: 'PENDING', created_at: CREATED_AT });

/**
 * `POST /api/payments` as its callers see it: the spec's worked example, the refusals, the races,
 * the Order service failing before anything is recorded, bad input, and the other routes. What the
 * saga does when the provider or the Order service misbehave later on is in payment-saga.test.ts.
 */
describe.each(DIALECTS)('Payment service on %s', (dialect) => {
  let nextOrderId = 1000;

  const { start, db } = usePaymentService(dialect);


  describe('Paying an order', () => {
    test("When the spec's order 1 (total 2999.97, PENDING) is paid, then 201 COMPLETED for 2999.97, stored as 299997 cents, charged once as payment-<id>, and the order is set PAID with the Payment service’s token", async () => {
      const { url, orders, provider } = await start();
      orders.add({ id: 1, total: 2999.97 });

      const { status, headers, body } = await pay(url, { order_id: 1 });

      expect(status).toBe(201);
      expect(headers.get('content-type')).toContain('application/json');
      expect(body).toEqual({ id: expect.any(Number), order_id: 1, amount: 2999.97, status: 'COMPLETED', created_at: expect.any(String) });
      expect(new Date(body.created_at).toISOString()).toBe(body.created_at);

      expect(await paymentRows(db(), 1)).toEqual([
        {
          id: body.id,
          order_id: 1,
          amount_cents: 299997,
          status: 'COMPLETED',
          created_at: body.created_at,
          updated_at: expect.any(String),
          step: null,
          reason: null,
          charge_id: 'ch_1',
          attempts: 0,
          next_attempt_at: expect.any(Number),
          lease_until: 0,
          lease_owner: expect.stringMatching(new RegExp(`^${INSTANCE_ID}/`)),
          order_cancelled: 0,
        },
      ]);

      const reference = `payment-${body.id}`;
      expect([...provider.ledger.values()]).toEqual([{ id: 'ch_1', reference, order_id: 1, amount: 2999.97, status: 'SUCCEEDED', created_at: expect.any(String) }]);
      const [charge] = provider.requests('charges');
      expect(provider.requests('charges')).toHaveLength(1);
      expect(charge?.body).toEqual({ reference, order_id: 1, amount: 2999.97 });
      // The Payment service's own token for the provider (the fake refuses any other).
      expect(callerIn(keys.identity('payment-provider'), charge?.headers ?? {})).toBe('payment-service');
      expect(charge?.headers[IDEMPOTENCY_KEY_HEADER]).toBe(reference);
      expect(provider.requests('refunds')).toEqual([]);

      expect(orders.calls.map((c) => [c.method, c.path])).toEqual([
        ['GET', '/api/orders/1'],
        ['PUT', '/api/orders/1/status'],
      ]);
      const [update] = orders.statusUpdates(1);
      expect(update?.body).toEqual({ status: 'PAID' });
      expect(callerIn(keys.identity('order-service'), update?.headers ?? {})).toBe('payment-service');
      expect(orders.get(1)?.status).toBe('PAID');
    });

    test('When an order is paid, then PaymentCompleted is in the outbox, written in the same transaction as COMPLETED', async () => {
      const { url, orders } = await start();
      const orderId = nextOrderId++;
      orders.add({ id: orderId, total: 2999.97 });
      const { status, body } = await pay(url, { order_id: orderId });
      expect(status).toBe(201);
      expect(await eventsOf(db(), body.id)).toEqual([['PaymentCompleted', { payment_id: body.id, order_id: orderId, amount: 2999.97 }]]);
    });

    test('When a paid payment is read, then GET /api/payments/:id answers it as POST did, and its saga shows record, charge and confirm, each with a trace id field', async () => {
      const { url, orders } = await start();
      const orderId = nextOrderId++;
      orders.add({ id: orderId, total: 19.99 });
      const paid = await pay(url, { order_id: orderId });
      expect(paid.status).toBe(201);

      const read = await request<Payment>(url, 'GET', `/api/payments/${paid.body.id}`);
      expect(read).toMatchObject({ status: 200, body: paid.body });

      const saga = await sagaOf(url, paid.body.id);
      expect(saga.payment).toEqual(paid.body);
      // Each entry carries the trace of the request that wrote it: null here, where no tracer is registered.
      expect(saga.entries).toEqual([
        { step: 'record', outcome: 'done', attempt: 1, detail: `payment of 19.99 recorded for order ${orderId}`, trace_id: null, at: expect.any(String) },
        { step: 'charge', outcome: 'done', attempt: 1, detail: 'charged 19.99 (ch_1)', trace_id: null, at: expect.any(String) },
        { step: 'confirm', outcome: 'done', attempt: 1, detail: 'the order is PAID', trace_id: null, at: expect.any(String) },
      ]);
    });

    test('When an unknown payment or its saga is asked for, then 404 naming the payment', async () => {
      const { url } = await start();
      for (const path of ['/api/payments/999999', '/api/payments/999999/saga']) {
        const { status, headers, body } = await request<Problem>(url, 'GET', path);
        expect(status).toBe(404);
        expect(headers.get('content-type')).toContain('application/problem+json');
        expect(body.detail).toContain('999999');
      }
    });

    test.each([
      [0.1, 10],
      [19.99, 1999],
      [139.93, 13993],
      [10000000000, 1000000000000],
    ])('When an order totals %d, then the payment and the charge are exactly that amount (%d cents stored)', async (total, cents) => {
      const { url, orders, provider } = await start();
      const orderId = nextOrderId++;
      orders.add({ id: orderId, total });
      const { status, body } = await pay(url, { order_id: orderId });
      expect(status).toBe(201);
      expect(body.amount).toBe(total);
      expect(await paymentRows(db(), orderId)).toMatchObject([{ amount_cents: cents, status: 'COMPLETED' }]);
      expect(provider.ledger.get(`payment-${body.id}`)?.amount).toBe(total);
    });

    test('When the order does not exist, then 404 naming order_id, nothing is stored, and neither the provider nor the status update is called', async () => {
      const { url, orders, provider } = await start();
      const orderId = nextOrderId++;
      const before = await countPayments(db());
      const { status, headers, body } = await pay<Problem>(url, { order_id: orderId });
      expect(status).toBe(404);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 404, field: 'order_id' });
      expect(body.detail).toContain(String(orderId));
      expect(await countPayments(db())).toBe(before);
      expect(orders.calls.map((c) => [c.method, c.path])).toEqual([['GET', `/api/orders/${orderId}`]]);
      expect(provider.calls).toEqual([]);
    });

    test.each([['PAID'], ['CANCELLED']] as const)('When the order is %s, then 409 naming order_id, nothing is stored, and neither the provider nor the status update is called', async (orderStatus) => {
      const { url, orders, provider } = await start();
      const orderId = nextOrderId++;
      orders.add({ id: orderId, total: 10, status: orderStatus });
      const before = await countPayments(db());
      const { status, headers, body } = await pay<Problem>(url, { order_id: orderId });
      expect(status).toBe(409);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 409, field: 'order_id' });
      expect(body.detail).toContain(orderStatus);
      expect(await countPayments(db())).toBe(before);
      expect(orders.statusUpdates()).toEqual([]);
      expect(provider.calls).toEqual([]);
    });

    test('When an order is paid twice, then the second is 409 already paid, and there is still one payment and one charge', async () => {
      const { url, orders, provider } = await start();
      const orderId = nextOrderId++;
      orders.add({ id: orderId, total: 42.5 });
      const first = await pay(url, { order_id: orderId });
      expect(first.status).toBe(201);

      const second = await pay<Problem>(url, { order_id: orderId });
      expect(second.status).toBe(409);
      expect(second.headers.get('content-type')).toContain('application/problem+json');
      expect(second.body).toMatchObject({ status: 409, field: 'order_id' });
      expect(second.body.detail).toBe(`Order ${orderId} is already paid (payment ${first.body.id})`);
      expect(await paymentRows(db(), orderId)).toMatchObject([{ id: first.body.id, status: 'COMPLETED', amount_cents: 4250 }]);
      expect(provider.requests('charges')).toHaveLength(1);
      expect(orders.statusUpdates()).toHaveLength(1);
    });

    test('When 30 payments race for each of 3 orders, then per order exactly one is 201 and the others 409, one payment is stored, one charge made, and the order set PAID once', async () => {
      const { url, orders, provider } = await start();
      const orderIds = [nextOrderId++, nextOrderId++, nextOrderId++];
      for (const id of orderIds) orders.add({ id, total: 2999.97 });

      const attempts = orderIds.flatMap((orderId) => Array.from({ length: 30 }, () => orderId));
      const answers = await Promise.all(attempts.map((orderId) => pay(url, { order_id: orderId })));

      for (const orderId of orderIds) {
        const mine = answers.filter((_a, i) => attempts[i] === orderId);
        const winners = mine.filter((a) => a.status === 201);
        expect(winners).toHaveLength(1);
        expect(mine.filter((a) => a.status === 409)).toHaveLength(29);
        const winner = winners[0]?.body as Payment;
        expect(await paymentRows(db(), orderId)).toEqual([expect.objectContaining({ id: winner.id, status: 'COMPLETED', amount_cents: 299997 })]);
        expect([...provider.ledger.values()].filter((c) => c.order_id === orderId)).toEqual([expect.objectContaining({ reference: `payment-${winner.id}`, status: 'SUCCEEDED' })]);
        expect(provider.requests('charges', `payment-${winner.id}`)).toHaveLength(1);
        expect(orders.statusUpdates(orderId)).toHaveLength(1);
      }
      expect(provider.requests('charges')).toHaveLength(3);
    });
  });

  describe('Paying when the Order service fails before anything is recorded', () => {
    test('When the Order service is down, then 503 naming order-service at once, nothing is stored, and the provider is not called', async () => {
      const { url, orders, provider } = await start();
      await orders.close();
      const before = await countPayments(db());
      const started = performance.now();
      const { status, headers, body } = await pay<Problem>(url, { order_id: nextOrderId++ });
      const elapsed = performance.now() - started;
      expect(status).toBe(503);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(headers.get('retry-after')).toBe('1');
      expect(body).toMatchObject({ status: 503, service: 'order-service' });
      expect(body.detail).toMatch(/order-service is unreachable/);
      expect(elapsed).toBeLessThan(CALL_TIMEOUT_MS);
      expect(await countPayments(db())).toBe(before);
      expect(provider.calls).toEqual([]);
    });

    test('When the Order service fails the read (503 every time), then 503 naming order-service, and nothing is stored', async () => {
      const { url, orders, provider } = await start();
      orders.failReads(Infinity, 503);
      const before = await countPayments(db());
      const { status, body } = await pay<Problem>(url, { order_id: nextOrderId++ });
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 503, service: 'order-service' });
      expect(await countPayments(db())).toBe(before);
      expect(provider.calls).toEqual([]);
    });

    test('When the Order service answers the read with 500, then 502 naming order-service, and nothing is stored', async () => {
      const { url, orders, provider } = await start();
      orders.failReads(Infinity, 500);
      const before = await countPayments(db());
      const { status, headers, body } = await pay<Problem>(url, { order_id: nextOrderId++ });
      expect(status).toBe(502);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 502, service: 'order-service' });
      expect(await countPayments(db())).toBe(before);
      expect(orders.statusUpdates()).toEqual([]);
      expect(provider.calls).toEqual([]);
    });

    test('When the Order service hangs on the read, then 503 naming order-service within the call timeout, and nothing is stored', async () => {
      const { url, orders, provider } = await start();
      orders.failReads(Infinity, 'hang');
      const before = await countPayments(db());
      const started = performance.now();
      const { status, body } = await pay<Problem>(url, { order_id: nextOrderId++ });
      const elapsed = performance.now() - started;
      expect(status).toBe(503);
      expect(body).toMatchObject({ status: 503, service: 'order-service' });
      expect(body.detail).toContain(`did not answer within ${CALL_TIMEOUT_MS} ms`);
      expect(elapsed).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(CALL_TIMEOUT_MS + 700);
      expect(await countPayments(db())).toBe(before);
      expect(provider.calls).toEqual([]);
    });

    test.each([
      ['the total as text', (id: number) => ({ ...order(id), total: '2999.97' })],
      ['no total', (id: number) => ({ id, user_id: 1, product_id: 2, quantity: 3, status: 'PENDING', created_at: CREATED_AT })],
      ['an unknown status', (id: number) => ({ ...order(id), status: 'NEW' })],
      ['an unknown stock status', (id: number) => ({ ...order(id), stock: 'MAYBE' })],
      ['another order', (id: number) => order(id + 1)],
      ['an empty body', () => undefined],
      ['a total with three decimals', (id: number) => ({ ...order(id), total: 2999.975 })],
      ['a total of 0', (id: number) => ({ ...order(id), total: 0 })],
      ['a negative total', (id: number) => ({ ...order(id), total: -10 })],
    ])('When the Order service answers the read with %s, then 502 naming order-service, nothing is stored, and nothing else is called', async (_case, answer) => {
      const { url, orders, provider } = await start();
      orders.answerReadsWith((id) => ({ body: answer(id) }));
      const before = await countPayments(db());
      const { status, headers, body } = await pay<Problem>(url, { order_id: nextOrderId++ });
      expect(status).toBe(502);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 502, service: 'order-service' });
      expect(await countPayments(db())).toBe(before);
      expect(orders.statusUpdates()).toEqual([]);
      expect(provider.calls).toEqual([]);
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
    ])('When the body has %s, then 400 naming the field, nothing is stored, and no neighbour is called', async (_case, payload, field) => {
      const { url, orders, provider } = await start();
      const before = await countPayments(db());
      const { status, headers, body } = await pay<Problem>(url, payload);
      expect(status).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body.status).toBe(400);
      expect(body.field).toBe(field);
      expect(await countPayments(db())).toBe(before);
      expect(orders.calls).toEqual([]);
      expect(provider.calls).toEqual([]);
    });

    test('When the body is over the size limit, then 413, nothing is stored, and no neighbour is called', async () => {
      const { url, orders, provider } = await start();
      const before = await countPayments(db());
      const { status, headers, body } = await pay<Problem>(url, { order_id: 1, note: 'x'.repeat(70_000) });
      expect(status).toBe(413);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 413, field: 'body' });
      expect(await countPayments(db())).toBe(before);
      expect(orders.calls).toEqual([]);
      expect(provider.calls).toEqual([]);
    });
  });

  test('When health is asked, then ok with the database check, and no neighbour is called', async () => {
    const { url, orders, provider } = await start();
    expect(await request(url, 'GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok', service: 'payment-service', checks: { database: 'ok' } } });
    expect(orders.calls).toEqual([]);
    expect(provider.calls).toEqual([]);
  });

  describe('Listing payments', () => {
    test('When payments are listed, then newest first, as decimals, with the step of a running one and the reason of a failed one, paginated, with the total in X-Total-Count', async () => {
      const { url, orders, provider } = await start();
      const seeded = [
        await seedPayment(db(), { order_id: nextOrderId++, amount_cents: 100, status: 'COMPLETED' }),
        await seedPayment(db(), { order_id: nextOrderId++, amount_cents: 2550, status: 'FAILED', reason: 'card declined' }),
        await seedPayment(db(), { order_id: nextOrderId++, amount_cents: 299997, status: 'PENDING', ...RUNNING_ELSEWHERE }),
        await seedPayment(db(), { order_id: nextOrderId++, amount_cents: 1234, status: 'REFUNDED', reason: 'order cancelled (cancelled)' }),
      ];
      const total = await countPayments(db());

      const top = await request<Payment[]>(url, 'GET', '/api/payments?limit=4');
      expect(top.status).toBe(200);
      expect(top.headers.get('x-total-count')).toBe(String(total));
      const [completed, failed, pending, refunded] = seeded.map((row) => ({ id: row.id, order_id: row.order_id, amount: row.amount_cents / 100, status: row.status, created_at: CREATED_AT }));
      expect(top.body).toEqual([
        { ...refunded, reason: 'order cancelled (cancelled)' },
        { ...pending, step: 'charge' },
        { ...failed, reason: 'card declined' },
        completed,
      ]);

      const all = await request<Payment[]>(url, 'GET', '/api/payments');
      expect(all.body).toHaveLength(Math.min(total, 100));
      expect(all.body.map((p) => p.id)).toEqual([...all.body.map((p) => p.id)].sort((a, b) => b - a));
      const page = await request<Payment[]>(url, 'GET', '/api/payments?limit=2&offset=1');
      expect(page.body).toEqual(all.body.slice(1, 3));
      expect(page.headers.get('x-total-count')).toBe(String(total));
      expect(orders.calls).toEqual([]);
      expect(provider.calls).toEqual([]);
    });

    test.each([
      ['limit=0', 'limit'],
      ['offset=-1', 'offset'],
      ['limit=ten', 'limit'],
    ])('When payments are listed with %s, then 400 naming %s', async (query, field) => {
      const { url } = await start();
      const { status, headers, body } = await request<Problem>(url, 'GET', `/api/payments?${query}`);
      expect(status).toBe(400);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body.field).toBe(field);
    });
  });

  describe('Test hooks', () => {
    test("When test hooks are on, then GET /internal/test/points lists every saga crash point, with the gateway's token only", async () => {
      const { url } = await start({ testHooks: true });
      expect((await request(url, 'GET', '/internal/test/points')).status).toBe(401);
      expect((await request(url, 'GET', '/internal/test/points', undefined, { [SERVICE_TOKEN_HEADER]: keys.token('gateway', 'payment-service', { ageS: 120 }) })).status).toBe(401);
      expect((await request(url, 'GET', '/internal/test/points', undefined, keys.headers('order-service', 'payment-service'))).status).toBe(403);
      const { status, body } = await request<{ points: string[]; crashes: Record<string, number> }>(url, 'GET', '/internal/test/points', undefined, keys.headers('gateway', 'payment-service'));
      expect(status).toBe(200);
      expect(body.points).toEqual(expect.arrayContaining([...SAGA_CRASH_POINTS]));
      expect(body.crashes).toEqual({});
    });

    test('When test hooks are off, then the test routes do not exist (404)', async () => {
      const { url } = await start({ testHooks: false });
      const withToken = keys.headers('gateway', 'payment-service');
      expect((await request(url, 'GET', '/internal/test/points', undefined, withToken)).status).toBe(404);
      expect((await request(url, 'POST', '/internal/test/crash', { point: 'saga.after_charge' }, withToken)).status).toBe(404);
    });
  });
});
