import { describe, expect, test } from 'vitest';
import type { ApiResult } from '../src/api/http';
import type { Order, OrderTimeline, Payment, PaymentSaga, SagaEntry } from '../src/api/types';
import { entryViews, sagaEnding, settlingReasons, stillSettling } from '../src/pages/orders/timeline-view';
import { percentToRate, toPercentText } from '../src/pages/architecture/provider-card';
import { edgePath } from '../src/pages/architecture/edge-paths';

const order = (over: Partial<Order> = {}): Order => ({ id: 5, user_id: 1, product_id: 2, quantity: 2, total: 80, status: 'PENDING', created_at: '2026-01-01T10:00:00.000Z', ...over });
const payment = (over: Partial<Payment> = {}): Payment => ({ id: 7, order_id: 5, amount: 80, status: 'COMPLETED', created_at: '2026-01-01T10:00:01.000Z', ...over });
const entry = (step: SagaEntry['step'], at: string, over: Partial<SagaEntry> = {}): SagaEntry => ({ step, outcome: 'done', attempt: 1, detail: `${step} done`, trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', at, ...over });
const saga = (p: Payment, entries: SagaEntry[]): PaymentSaga => ({ payment: p, entries });
const timeline = (over: Partial<OrderTimeline> = {}): OrderTimeline => ({ order: order(), payments: [], reservation: null, degraded: [], ...over });
const answer = (status: number, data?: OrderTimeline): ApiResult<OrderTimeline> => ({
  ok: status === 200,
  status,
  method: 'GET',
  path: '/api/orders/5/timeline',
  data,
  problem: status === 200 ? undefined : { title: `HTTP ${status}` },
  traceId: undefined,
  requestId: undefined,
  totalCount: undefined,
  durationMs: 2,
});

describe('Web UI: an order’s saga timeline', () => {
  test('Each entry reads as a step in words, with the service it called, its time since the saga began, and compensations marked', () => {
    const views = entryViews(
      saga(payment({ status: 'REFUNDED', reason: 'order cancelled (expired)' }), [
        entry('record', '2026-01-01T10:00:01.000Z'),
        entry('charge', '2026-01-01T10:00:01.012Z', { outcome: 'retry', detail: 'provider 503; again in 80 ms' }),
        entry('charge', '2026-01-01T10:00:01.100Z', { attempt: 2, trace_id: null }),
        entry('confirm', '2026-01-01T10:00:02.000Z', { detail: 'the order refused PAID: order cancelled (expired)' }),
        entry('refund', '2026-01-01T10:00:02.500Z'),
      ]),
    );
    expect(views.map((v) => [v.step, v.words, v.service, v.outcome, v.attempt, v.offsetMs, v.compensation])).toEqual([
      ['record', 'Record the payment', 'payment-service', 'done', 1, 0, false],
      ['charge', 'Charge the card', 'payment-provider', 'retry', 1, 12, false],
      ['charge', 'Charge the card', 'payment-provider', 'done', 2, 100, false],
      ['confirm', 'Set the order PAID', 'order-service', 'done', 1, 1000, false],
      ['refund', 'Refund the charge', 'payment-provider', 'done', 1, 1500, true],
    ]);
    expect(views[2]?.traceId).toBeNull();
  });

  test('The end of each saga says what happened to the money, or the step it runs next', () => {
    expect(sagaEnding(payment())).toMatchObject({ tone: 'ok', text: 'Completed: the card was charged and the order is PAID.' });
    expect(sagaEnding(payment({ status: 'FAILED', reason: 'card declined' }))).toMatchObject({ tone: 'down', text: 'Failed: card declined. No money was taken.' });
    expect(sagaEnding(payment({ status: 'REFUNDED', reason: 'order cancelled' })).tone).toBe('warn');
    expect(sagaEnding(payment({ status: 'PENDING', step: 'charge' }))).toEqual({ tone: 'running', text: 'In progress: next, charge the card…' });
  });

  test('The page keeps asking while a payment runs, stock or its reservation catch up, or a part is missing; not once everything has settled', () => {
    const running = timeline({ payments: [saga(payment({ status: 'PENDING', step: 'confirm' }), [])] });
    expect(settlingReasons(running)).toEqual(['payment #7 is running (set the order PAID)']);
    expect(stillSettling(answer(200, running))).toBe(true);

    const paidNotCommitted = timeline({
      order: order({ status: 'PAID', stock: 'RESERVED' }),
      payments: [saga(payment(), [])],
      reservation: { order_id: 5, product_id: 2, quantity: 2, state: 'RESERVED', created_at: '2026-01-01T10:00:00.000Z', updated_at: '2026-01-01T10:00:00.000Z' },
    });
    expect(settlingReasons(paidNotCommitted)).toEqual(['the reservation is not committed yet']);
    const committed = { ...paidNotCommitted, reservation: paidNotCommitted.reservation && { ...paidNotCommitted.reservation, state: 'COMMITTED' as const } };
    expect(stillSettling(answer(200, committed))).toBe(false);

    expect(settlingReasons(timeline({ order: order({ stock: 'AWAITING' }) }))).toEqual(['the stock is not confirmed yet']);
    expect(settlingReasons(timeline({ payments: null, degraded: ['payments'] }))).toEqual(['payments could not be read']);
    // A declined payment leaves the order PENDING, its stock held: nothing is in motion.
    expect(stillSettling(answer(200, timeline({ order: order({ stock: 'RESERVED' }), payments: [saga(payment({ status: 'FAILED', reason: 'card declined' }), [])] })))).toBe(false);
  });

  test('The page keeps asking while the gateway fails or does not answer, and stops for an order that does not exist', () => {
    expect(stillSettling(answer(0))).toBe(true);
    expect(stillSettling(answer(503))).toBe(true);
    expect(stillSettling(answer(404))).toBe(false);
  });
});

describe('Web UI: the payment provider on the architecture view', () => {
  test('Rates are typed as percentages and sent as 0..1; a value out of range is refused before any request', () => {
    expect(percentToRate('25')).toEqual({ rate: 0.25 });
    expect(percentToRate(' 100 ')).toEqual({ rate: 1 });
    expect(percentToRate('')).toEqual({ rate: 0 });
    expect(percentToRate('12.5')).toEqual({ rate: 0.125 });
    expect(percentToRate('120')).toEqual({ error: 'Between 0 and 100 %' });
    expect(percentToRate('lots')).toEqual({ error: 'A number, in %' });
    expect([toPercentText(0), toPercentText(1), toPercentText(0.125)]).toEqual(['0', '100', '12.5']);
  });

  test('The provider hangs under Payment: its edge goes from Payment’s bottom to its top; the gateway draws no arrow to a box outside its row', () => {
    const boxes = {
      gateway: { left: 300, top: 0, width: 560, height: 200 },
      'payment-service': { left: 900, top: 300, width: 280, height: 300 },
      'payment-provider': { left: 900, top: 720, width: 280, height: 240 },
    };
    const path = edgePath('payment-service', 'payment-provider', boxes, -1);
    expect(path?.d.startsWith(`M ${900 + 280 * 0.78} 600`)).toBe(true);
    expect(path?.d.endsWith(`${900 + 140} 720`)).toBe(true);
    expect(edgePath('gateway', 'payment-provider', boxes, -1)).toBeUndefined();
  });
});
