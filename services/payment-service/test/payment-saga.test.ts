import { setTimeout as sleep } from 'node:timers/promises';
import type { Payment, Problem } from '@microshop/contracts';
import { DIALECTS } from '@microshop/testkit';
import { describe, expect, test } from 'vitest';
import {
  deliver,
  eventsOf,
  INSTANCE_ID,
  orderCancelled,
  OTHER_INSTANCE,
  pay,
  paymentRows,
  SAGA,
  sagaOf,
  seedPayment,
  settled,
  usePaymentService,
  type StartOptions,
  stepsOf,
} from './payment-harness.js';

const HOUR_MS = 3_600_000;

/**
 * The payment saga behind `POST /api/payments` (src/domain/saga.ts): await_stock → charge → confirm,
 * and its compensations (cancel_order, refund, void), with the provider and the Order service
 * misbehaving at each step, the OrderCancelled event, and sagas resumed after their runner died.
 *
 * Saga settings (payment-harness.ts): answer within 1 s, 3 attempts per step, waits of 15 then 30 ms.
 * Most tests switch the client's own retries off, so that each saga attempt is one request and the
 * counts below are exact; one shows the two layers together.
 */
describe.each(DIALECTS)('Payment saga on %s', (dialect) => {
  let nextOrderId = 5000;

  const { start, stop, db } = usePaymentService(dialect);
  /** The service with an order of `total` to pay, PENDING unless said otherwise. */
  const startWithOrder = async (order: { total?: number; stock?: 'AWAITING' | 'RESERVED' } = {}, options: StartOptions = {}) => {
    const started = await start(options);
    const orderId = nextOrderId++;
    started.orders.add({ id: orderId, total: order.total ?? 2999.97, ...(order.stock ? { stock: order.stock } : {}) });
    return { ...started, orderId };
  };


  describe('When the provider declines, fails or is slow', () => {
    test('When the card is declined, then 402 naming order_id, the payment is FAILED (card declined) with PaymentFailed, the order is untouched, and a new payment of the order then succeeds', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({ total: 12.34 });
      provider.declineNext(1);

      const declined = await pay<Problem>(url, { order_id: orderId });

      expect(declined.status).toBe(402);
      expect(declined.headers.get('content-type')).toContain('application/problem+json');
      expect(declined.body).toMatchObject({ status: 402, field: 'order_id' });
      expect(declined.body.detail).toContain(`order ${orderId} can be paid again`);
      const [failed] = await paymentRows(db(), orderId);
      expect(failed).toMatchObject({ status: 'FAILED', reason: 'card declined', step: null, charge_id: null, amount_cents: 1234 });
      expect(await eventsOf(db(), failed?.id ?? 0)).toEqual([['PaymentFailed', { payment_id: failed?.id, order_id: orderId, reason: 'card declined' }]]);
      expect(provider.ledger.get(`payment-${failed?.id}`)?.status).toBe('DECLINED');
      // The charge ran and was refused: the timeline shows it failed.
      expect(await stepsOf(url, failed?.id ?? 0)).toEqual([
        ['record', 'done'],
        ['charge', 'failed'],
      ]);
      expect(orders.statusUpdates()).toEqual([]);
      expect(orders.get(orderId)?.status).toBe('PENDING');

      const again = await pay(url, { order_id: orderId });
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ order_id: orderId, amount: 12.34, status: 'COMPLETED' });
      expect(again.body.id).not.toBe(failed?.id);
      expect((await paymentRows(db(), orderId)).map((r) => r.status)).toEqual(['FAILED', 'COMPLETED']);
      expect(provider.ledger.get(`payment-${again.body.id}`)?.status).toBe('SUCCEEDED');
      expect(orders.get(orderId)?.status).toBe('PAID');
    });

    test('When the provider fails twice (503) and then answers, then 201 COMPLETED within the budget, and the saga log shows the two retries', async () => {
      const { url, provider, orderId } = await startWithOrder({}, { clientRetries: false });
      provider.failNext('charges', 2);

      const { status, body } = await pay(url, { order_id: orderId });

      expect(status).toBe(201);
      expect(body.status).toBe('COMPLETED');
      const { entries } = await sagaOf(url, body.id);
      expect(entries.map((e) => [e.step, e.outcome, e.attempt])).toEqual([
        ['record', 'done', 1],
        ['charge', 'retry', 1],
        ['charge', 'retry', 2],
        ['charge', 'done', 3],
        ['confirm', 'done', 1],
      ]);
      expect(entries[1]?.detail).toMatch(/payment-provider.*again in 15 ms$/);
      expect(entries[2]?.detail).toMatch(/again in 30 ms$/);
      expect(provider.requests('charges')).toHaveLength(3);
      expect([...provider.ledger.values()]).toEqual([expect.objectContaining({ reference: `payment-${body.id}`, status: 'SUCCEEDED' })]);
    });

    test("When the provider fails twice with the client's own retries on, then the client absorbs them: one saga attempt, three requests, 201 COMPLETED", async () => {
      const { url, provider, orderId } = await startWithOrder();
      provider.failNext('charges', 2);

      const { status, body } = await pay(url, { order_id: orderId });

      expect(status).toBe(201);
      expect(await stepsOf(url, body.id)).toEqual([
        ['record', 'done'],
        ['charge', 'done'],
        ['confirm', 'done'],
      ]);
      expect(provider.requests('charges')).toHaveLength(3);
      expect(provider.ledger.size).toBe(1);
    });

    test('When the provider fails every charge, then the saga gives up after 3 attempts and voids the reference: 409, FAILED with PaymentFailed, nothing charged, the order untouched', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({ total: 50 }, { clientRetries: false });
      provider.failNext('charges', Infinity);

      const { status, body } = await pay<Problem>(url, { order_id: orderId });

      const [payment] = await paymentRows(db(), orderId);
      const reference = `payment-${payment?.id}`;
      expect(status).toBe(409);
      expect(body.detail).toBe(`Payment ${payment?.id} is FAILED (the payment provider did not answer); no money was taken`);
      expect(payment).toMatchObject({ status: 'FAILED', reason: 'the payment provider did not answer', step: null });
      expect(await stepsOf(url, payment?.id ?? 0)).toEqual([
        ['record', 'done'],
        ['charge', 'retry'],
        ['charge', 'retry'],
        ['charge', 'failed'],
        ['void', 'done'],
      ]);
      expect(provider.requests('charges')).toHaveLength(SAGA.maxAttempts);
      expect(provider.requests('refunds').map((c) => c.body)).toEqual([{ reference, order_id: orderId, amount: 50 }]);
      expect(provider.ledger.get(reference)).toMatchObject({ status: 'VOIDED', order_id: orderId, amount: 50 });
      expect(provider.refunded).toEqual([]);
      expect(await eventsOf(db(), payment?.id ?? 0)).toEqual([['PaymentFailed', { payment_id: payment?.id, order_id: orderId, reason: 'the payment provider did not answer' }]]);
      expect(orders.statusUpdates()).toEqual([]);
    });

    test('When every charge answer comes after the provider timeout (the first one landed unseen), then 202 first, and the saga voids the reference, which refunds the charge: REFUNDED with PaymentRefunded', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({ total: 80 }, { clientRetries: false, providerTimeoutMs: 400 });
      provider.delay('charges', 600);

      const accepted = await pay(url, { order_id: orderId });

      expect(accepted.status).toBe(202);
      expect(accepted.headers.get('location')).toBe(`/api/payments/${accepted.body.id}`);
      expect(accepted.body).toMatchObject({ order_id: orderId, amount: 80, status: 'PENDING', step: 'charge' });
      const final = await settled(url, accepted.body.id);
      expect(final).toEqual({ id: accepted.body.id, order_id: orderId, amount: 80, status: 'REFUNDED', reason: 'the payment provider did not answer', created_at: accepted.body.created_at });
      const reference = `payment-${accepted.body.id}`;
      expect(provider.requests('charges')).toHaveLength(SAGA.maxAttempts);
      expect(provider.refunded).toEqual([reference]);
      expect(provider.ledger.get(reference)?.status).toBe('REFUNDED');
      expect(await stepsOf(url, accepted.body.id)).toEqual([
        ['record', 'done'],
        ['charge', 'retry'],
        ['charge', 'retry'],
        ['charge', 'failed'],
        ['void', 'done'],
      ]);
      expect(await eventsOf(db(), accepted.body.id)).toEqual([['PaymentRefunded', { payment_id: accepted.body.id, order_id: orderId, amount: 80 }]]);
      expect(orders.statusUpdates()).toEqual([]);
    });

    test('When the provider answers after the budget but within its timeout, then 202 with a Location and step charge, and the saga finishes in the background: COMPLETED, charged once', async () => {
      const { url, orders, provider, orderId } = await startWithOrder();
      provider.delay('charges', SAGA.budgetMs + 300);

      const accepted = await pay(url, { order_id: orderId });

      expect(accepted.status).toBe(202);
      expect(accepted.headers.get('location')).toBe(`/api/payments/${accepted.body.id}`);
      expect(accepted.headers.get('retry-after')).toBe('1');
      expect(accepted.body).toEqual({ id: expect.any(Number), order_id: orderId, amount: 2999.97, status: 'PENDING', step: 'charge', created_at: expect.any(String) });

      const final = await settled(url, accepted.body.id);
      expect(final).toEqual({ id: accepted.body.id, order_id: orderId, amount: 2999.97, status: 'COMPLETED', created_at: accepted.body.created_at });
      expect(provider.requests('charges')).toHaveLength(1);
      expect(orders.get(orderId)?.status).toBe('PAID');
      expect(await eventsOf(db(), accepted.body.id)).toEqual([['PaymentCompleted', { payment_id: accepted.body.id, order_id: orderId, amount: 2999.97 }]]);
    });
  });

  describe('When the Order service refuses or fails to set the order PAID', () => {
    test('When the order is cancelled while its card is charged, then the order refuses PAID and the charge is refunded: 409, REFUNDED (order cancelled) with PaymentRefunded, one refund', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({ total: 12.34 });
      provider.onCharge(() => orders.cancel(orderId, 'cancelled'));

      const { status, body } = await pay<Problem>(url, { order_id: orderId });

      const [payment] = await paymentRows(db(), orderId);
      const reference = `payment-${payment?.id}`;
      expect(status).toBe(409);
      expect(body).toMatchObject({ status: 409, field: 'order_id' });
      expect(body.detail).toBe(`Order ${orderId} could not be paid (order cancelled (cancelled)): payment ${payment?.id} was charged and REFUNDED`);
      expect(payment).toMatchObject({ status: 'REFUNDED', reason: 'order cancelled (cancelled)', charge_id: provider.ledger.get(reference)?.id });
      expect(await stepsOf(url, payment?.id ?? 0)).toEqual([
        ['record', 'done'],
        ['charge', 'done'],
        ['confirm', 'done'],
        ['refund', 'done'],
      ]);
      expect(provider.requests('refunds')).toHaveLength(1);
      expect(provider.refunded).toEqual([reference]);
      expect(await eventsOf(db(), payment?.id ?? 0)).toEqual([['PaymentRefunded', { payment_id: payment?.id, order_id: orderId, amount: 12.34 }]]);
      expect(orders.statusUpdates().map((c) => c.body)).toEqual([{ status: 'PAID' }]);
      expect(orders.get(orderId)).toMatchObject({ status: 'CANCELLED', cancel_reason: 'cancelled' });
    });

    test('When setting the order PAID fails every time (500), then after 3 attempts the saga cancels the order and refunds, retrying the refund until it is done: REFUNDED, exactly one refund', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({ total: 20 }, { clientRetries: false });
      orders.failStatusUpdates(Infinity, { status: 500, to: 'PAID' });
      provider.failNext('refunds', 2);

      const { status } = await pay<Problem>(url, { order_id: orderId });

      const [payment] = await paymentRows(db(), orderId);
      const reference = `payment-${payment?.id}`;
      expect(status).toBe(409);
      expect(payment).toMatchObject({ status: 'REFUNDED', reason: 'the order could not be set PAID' });
      expect(await stepsOf(url, payment?.id ?? 0)).toEqual([
        ['record', 'done'],
        ['charge', 'done'],
        ['confirm', 'retry'],
        ['confirm', 'retry'],
        ['confirm', 'failed'],
        ['cancel_order', 'done'],
        ['refund', 'retry'],
        ['refund', 'retry'],
        ['refund', 'done'],
      ]);
      expect(orders.statusUpdates().map((c) => c.body)).toEqual([{ status: 'PAID' }, { status: 'PAID' }, { status: 'PAID' }, { status: 'CANCELLED', reason: 'payment_failed' }]);
      expect(orders.get(orderId)).toMatchObject({ status: 'CANCELLED', cancel_reason: 'payment_failed' });
      expect(provider.requests('refunds')).toHaveLength(3);
      expect(provider.refunded).toEqual([reference]);
      expect(provider.ledger.get(reference)?.status).toBe('REFUNDED');
      expect(await eventsOf(db(), payment?.id ?? 0)).toEqual([['PaymentRefunded', { payment_id: payment?.id, order_id: orderId, amount: 20 }]]);
    });

    test('When setting the order PAID worked but every answer was lost (500), then cancelling it is refused (409) because it is PAID: 201 COMPLETED, no refund', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({}, { clientRetries: false });
      orders.failStatusUpdates(Infinity, { status: 500, to: 'PAID', applied: true });

      const { status, body } = await pay(url, { order_id: orderId });

      expect(status).toBe(201);
      expect(body.status).toBe('COMPLETED');
      expect(await stepsOf(url, body.id)).toEqual([
        ['record', 'done'],
        ['charge', 'done'],
        ['confirm', 'retry'],
        ['confirm', 'retry'],
        ['confirm', 'failed'],
        ['cancel_order', 'done'],
      ]);
      expect((await sagaOf(url, body.id)).entries.at(-1)?.detail).toBe('the order turned out PAID: nothing to compensate');
      expect(orders.statusUpdates().map((c) => c.body)).toEqual([{ status: 'PAID' }, { status: 'PAID' }, { status: 'PAID' }, { status: 'CANCELLED', reason: 'payment_failed' }]);
      expect(orders.get(orderId)?.status).toBe('PAID');
      expect(provider.requests('refunds')).toEqual([]);
      expect(provider.ledger.get(`payment-${body.id}`)?.status).toBe('SUCCEEDED');
      expect(await eventsOf(db(), body.id)).toEqual([['PaymentCompleted', { payment_id: body.id, order_id: orderId, amount: 2999.97 }]]);
    });
  });

  describe("When the order's stock is not confirmed yet", () => {
    test('When the stock is AWAITING and is RESERVED while the saga waits, then the saga retries await_stock until then, and only then charges: 201 COMPLETED, one charge, PAID once', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({ stock: 'AWAITING' });
      // Read AWAITING by the request and by the saga's first look; RESERVED from the second look on.
      orders.settleStock(orderId, 'RESERVED', { afterReads: 2 });

      const { status, body } = await pay(url, { order_id: orderId });

      expect(status).toBe(201);
      expect(body.status).toBe('COMPLETED');
      const { entries } = await sagaOf(url, body.id);
      expect(entries.map((e) => [e.step, e.outcome, e.detail])).toEqual([
        ['record', 'done', `payment of 2999.97 recorded for order ${orderId}`],
        ['await_stock', 'retry', 'stock not confirmed yet; again in 15 ms'],
        ['await_stock', 'done', 'stock reserved'],
        ['charge', 'done', 'charged 2999.97 (ch_1)'],
        ['confirm', 'done', 'the order is PAID'],
      ]);
      expect(provider.requests('charges')).toHaveLength(1);
      expect(orders.statusUpdates().map((c) => c.body)).toEqual([{ status: 'PAID' }]);
    });

    test('When the stock is still AWAITING when the budget runs out, then 202 at step await_stock, nothing charged yet; once RESERVED, COMPLETED', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({ stock: 'AWAITING' });

      const accepted = await pay(url, { order_id: orderId });

      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ status: 'PENDING', step: 'await_stock' });
      expect(provider.calls).toEqual([]);
      orders.settleStock(orderId, 'RESERVED');
      expect(await settled(url, accepted.body.id)).toMatchObject({ status: 'COMPLETED' });
      expect(provider.requests('charges')).toHaveLength(1);
      expect(orders.get(orderId)?.status).toBe('PAID');
    });

    test('When the stock is REJECTED while the saga waits (the order is cancelled out_of_stock), then 409, FAILED (out of stock) with PaymentFailed, nothing charged, no status update', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({ stock: 'AWAITING' });
      orders.settleStock(orderId, 'REJECTED', { afterReads: 2 });

      const { status, body } = await pay<Problem>(url, { order_id: orderId });

      const [payment] = await paymentRows(db(), orderId);
      expect(status).toBe(409);
      expect(body.detail).toBe(`Payment ${payment?.id} is FAILED (out of stock); no money was taken`);
      expect(payment).toMatchObject({ status: 'FAILED', reason: 'out of stock' });
      expect(await stepsOf(url, payment?.id ?? 0)).toEqual([
        ['record', 'done'],
        ['await_stock', 'retry'],
        ['await_stock', 'done'],
      ]);
      expect(provider.calls).toEqual([]);
      expect(orders.statusUpdates()).toEqual([]);
      expect(await eventsOf(db(), payment?.id ?? 0)).toEqual([['PaymentFailed', { payment_id: payment?.id, order_id: orderId, reason: 'out of stock' }]]);
    });
  });

  describe('When the Order service announces OrderCancelled', () => {
    test('When OrderCancelled arrives while the payment waits at await_stock and the Order service cannot be read, then the event alone stops the saga: FAILED (order cancelled), nothing charged', async () => {
      const { url, orders, provider, orderId } = await startWithOrder({ stock: 'AWAITING' });
      const accepted = await pay(url, { order_id: orderId });
      expect(accepted.body).toMatchObject({ status: 'PENDING', step: 'await_stock' });
      orders.failReads(Infinity, 503);

      const delivered = await deliver(url, orderCancelled(orderId));

      expect(delivered).toMatchObject({ status: 200, body: { result: 'applied' } });
      expect(await settled(url, accepted.body.id)).toMatchObject({ status: 'FAILED', reason: 'order cancelled' });
      expect((await sagaOf(url, accepted.body.id)).entries.at(-1)).toMatchObject({ step: 'await_stock', outcome: 'done', detail: 'the order was cancelled (OrderCancelled) before any charge' });
      expect(provider.calls).toEqual([]);
      expect(orders.statusUpdates()).toEqual([]);
      expect(await eventsOf(db(), accepted.body.id)).toEqual([['PaymentFailed', { payment_id: accepted.body.id, order_id: orderId, reason: 'order cancelled' }]]);
    });

    test('When OrderCancelled arrives for a payment whose runner died right after sending the charge (which landed), then the saga voids the reference instead of charging: the money is given back, REFUNDED', async () => {
      const { url, orders, provider } = await start();
      const orderId = nextOrderId++;
      orders.add({ id: orderId, total: 30 });
      orders.cancel(orderId, 'cancelled');
      // The dead runner's lease runs out in 500 ms: the event is applied before anyone resumes the saga.
      const payment = await seedPayment(db(), { order_id: orderId, amount_cents: 3000, status: 'PENDING', step: 'charge', lease_owner: `${OTHER_INSTANCE}/dead/1`, lease_until: Date.now() + 500 });
      const reference = `payment-${payment.id}`;
      provider.seedCharge({ reference, order_id: orderId, amount: 30 });

      const delivered = await deliver(url, orderCancelled(orderId));

      expect(delivered.body).toEqual({ result: 'applied' });
      expect(await settled(url, payment.id)).toMatchObject({ status: 'REFUNDED', reason: 'order cancelled' });
      expect(await stepsOf(url, payment.id)).toEqual([
        ['charge', 'skipped'],
        ['void', 'done'],
      ]);
      expect(provider.requests('charges')).toEqual([]);
      expect(provider.refunded).toEqual([reference]);
      expect(await eventsOf(db(), payment.id)).toEqual([['PaymentRefunded', { payment_id: payment.id, order_id: orderId, amount: 30 }]]);
    });

    test('When the same OrderCancelled is delivered twice, then the second is a duplicate; without a service token, 401', async () => {
      const { url } = await start();
      const event = orderCancelled(nextOrderId++);
      expect(await deliver(url, event)).toMatchObject({ status: 200, body: { result: 'applied' } });
      expect(await deliver(url, event)).toMatchObject({ status: 200, body: { result: 'duplicate' } });
      expect((await deliver(url, orderCancelled(nextOrderId++), {})).status).toBe(401);
      expect(await db().selectFrom('inbox').select('event_id').where('event_id', '=', event.id).execute()).toHaveLength(1);
    });
  });

  describe('When the service closes', () => {
    test('When the service closes while a saga waits for stock, then it closes at once and lets the lease go, and the next start finishes the saga', async () => {
      const { url, orderId } = await startWithOrder({ stock: 'AWAITING' });
      const accepted = await pay(url, { order_id: orderId });
      expect(accepted.body).toMatchObject({ status: 'PENDING', step: 'await_stock' });
      // The request's runner lets the saga go at the budget; the background worker (polling every 25 ms) takes it over and waits with it.
      await sleep(200);
      expect(await paymentRows(db(), orderId)).toMatchObject([{ status: 'PENDING', lease_owner: expect.stringMatching(new RegExp(`^${INSTANCE_ID}/`)) }]);

      const closing = performance.now();
      await stop();

      expect(performance.now() - closing).toBeLessThan(SAGA.leaseMs / 3);
      expect(await paymentRows(db(), orderId)).toMatchObject([{ status: 'PENDING', step: 'await_stock', lease_until: 0, lease_owner: null }]);
      const restarted = await start({ withOrders: [{ id: orderId, total: 2999.97, stock: 'RESERVED' }] });
      expect(await settled(restarted.url, accepted.body.id)).toMatchObject({ status: 'COMPLETED' });
      expect(restarted.orders.get(orderId)?.status).toBe('PAID');
    });
  });

  describe('When a runner died mid-saga', () => {
    test("When another runner's lease ran out while the saga was at confirm, then the background worker resumes it where it stopped: COMPLETED, no new charge", async () => {
      const { url, orders, provider } = await start();
      const orderId = nextOrderId++;
      orders.add({ id: orderId, total: 45 });
      const payment = await seedPayment(db(), { order_id: orderId, amount_cents: 4500, status: 'PENDING', step: 'confirm', charge_id: 'ch_7', lease_owner: `${OTHER_INSTANCE}/dead/1`, lease_until: Date.now() - 1000 });

      const final = await settled(url, payment.id);

      expect(final).toEqual<Payment>({ id: payment.id, order_id: orderId, amount: 45, status: 'COMPLETED', created_at: payment.created_at });
      expect(await paymentRows(db(), orderId)).toMatchObject([{ charge_id: 'ch_7', lease_owner: expect.stringMatching(new RegExp(`^${INSTANCE_ID}/`)) }]);
      expect(await stepsOf(url, payment.id)).toEqual([['confirm', 'done']]);
      expect(orders.get(orderId)?.status).toBe('PAID');
      expect(provider.calls).toEqual([]);
      expect(await eventsOf(db(), payment.id)).toEqual([['PaymentCompleted', { payment_id: payment.id, order_id: orderId, amount: 45 }]]);
    });

    test('When an earlier boot of this same instance left a saga leased for an hour, then it is resumed as soon as the instance starts; a saga leased by another instance is left alone', async () => {
      const ours = nextOrderId++;
      const theirs = nextOrderId++;
      const mine = await seedPayment(db(), { order_id: ours, amount_cents: 100, status: 'PENDING', step: 'confirm', charge_id: 'ch_1', lease_owner: `${INSTANCE_ID}/0ldb00t/4`, lease_until: Date.now() + HOUR_MS });
      const other = await seedPayment(db(), { order_id: theirs, amount_cents: 200, status: 'PENDING', step: 'confirm', charge_id: 'ch_2', lease_owner: `${OTHER_INSTANCE}/boot/9`, lease_until: Date.now() + HOUR_MS });

      const { url, orders } = await start({ withOrders: [{ id: ours, total: 1 }, { id: theirs, total: 2 }] });

      expect(await settled(url, mine.id, 2000)).toMatchObject({ status: 'COMPLETED' });
      expect(orders.get(ours)?.status).toBe('PAID');
      expect(await paymentRows(db(), theirs)).toEqual([other]);
      expect(orders.statusUpdates(theirs)).toEqual([]);
    });
  });
});
