import { describe, expect, test } from 'vitest';
import type { ApiResult } from '../src/api/http';
import type { ConsistencyReport } from '../src/api/types';
import { consistencyBadge, consistencyFacts } from '../src/components/consistency-view';

const result = (status: number, data?: ConsistencyReport): ApiResult<ConsistencyReport> => ({
  ok: status === 200,
  status,
  method: 'GET',
  path: '/api/consistency',
  data,
  problem: status === 200 ? undefined : { title: 'Service unavailable', detail: 'The consistency check could not read payment-service' },
  traceId: undefined,
  requestId: undefined,
  totalCount: undefined,
  durationMs: 3,
});
const report = (violations: ConsistencyReport['violations'], over: Partial<ConsistencyReport> = {}): ConsistencyReport => ({
  checked_at: '2025-01-01T00:00:00.000Z',
  orders_checked: 4,
  payments_checked: 3,
  charges_checked: 2,
  products_checked: 1,
  violations,
  in_flight: [{ payment_id: 3, order_id: 4, age_s: 0.2 }],
  converging: [],
  events_pending: 0,
  unavailable: [],
  ok: violations.length === 0,
  ...over,
});
const counts = '4 orders, 3 payments, 2 charges, 1 stocked product checked; 1 in flight, 0 settling, 0 events pending';

describe('Web UI: the money badge', () => {
  test('When the money adds up, then the badge is green "Money consistent" with every count in its tooltip', () => {
    expect(consistencyBadge(result(200, report([])))).toEqual({ tone: 'ok', label: 'Money consistent', title: counts });
  });

  test('When there are violations, then the badge is red and counts them in words', () => {
    const one = { rule: 'double-charge' as const, order_id: 1, payment_id: 2, detail: 'x' };
    expect(consistencyBadge(result(200, report([one])))).toMatchObject({ tone: 'down', label: '1 violation' });
    expect(consistencyBadge(result(200, report([one, { ...one, payment_id: 5 }])))).toMatchObject({ tone: 'down', label: '2 violations' });
  });

  test('When a stock mismatch is still converging and nothing is violated, then the badge is amber "settling", not red', () => {
    const settling = report([], { converging: [{ order_id: 7, detail: 'reservation RESERVED while the order is PAID' }], events_pending: 2 });
    expect(consistencyBadge(result(200, settling))).toEqual({
      tone: 'settling',
      label: 'Money settling',
      title: 'No violation; events on their way will settle the rest: 4 orders, 3 payments, 2 charges, 1 stocked product checked; 1 in flight, 1 settling, 2 events pending',
    });
  });

  test('When a part could not be read, then the badge says the money was only partly checked, and what was not', () => {
    const view = consistencyBadge(result(200, report([], { unavailable: ['payment-provider'] })));
    expect(view).toMatchObject({ tone: 'partial', label: 'Money partly checked' });
    expect(view.title).toContain('not checked: payment-provider');
  });

  test('The details list every count, what is settling and what was not checked, flagging the ones worth a look', () => {
    const facts = consistencyFacts(report([], { converging: [{ order_id: 7, detail: 'x' }], events_pending: 3, unavailable: ['product-service'] }));
    expect(facts.map((f) => [f.key, f.value, f.warn])).toEqual([
      ['orders', '4', false],
      ['payments', '3', false],
      ['charges', '2', false],
      ['products', '1', false],
      ['in-flight', '1', false],
      ['settling', '1', true],
      ['events-pending', '3', false],
      ['not-checked', 'product-service', true],
    ]);
    expect(consistencyFacts(report([])).at(-1)).toMatchObject({ key: 'not-checked', value: 'nothing', warn: false });
  });

  test('When nothing has answered yet or the check fails, then the badge is grey and says why', () => {
    expect(consistencyBadge(undefined)).toMatchObject({ tone: 'unknown', label: 'Checking money…' });
    expect(consistencyBadge(result(503))).toEqual({ tone: 'unknown', label: 'Money unknown', title: 'The money consistency check could not run: The consistency check could not read payment-service' });
  });
});
