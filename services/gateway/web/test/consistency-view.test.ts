import { describe, expect, test } from 'vitest';
import type { ApiResult } from '../src/api/http';
import type { ConsistencyReport } from '../src/api/types';
import { consistencyBadge } from '../src/components/consistency-view';

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
const report = (violations: ConsistencyReport['violations']): ConsistencyReport => ({
  checked_at: '2025-01-01T00:00:00.000Z',
  orders_checked: 4,
  payments_checked: 3,
  violations,
  in_flight: [{ payment_id: 3, order_id: 4, age_s: 0.2 }],
  ok: violations.length === 0,
});

describe('Web UI: the money badge', () => {
  test('When the money adds up, then the badge is green "Money consistent" with the counts in its tooltip', () => {
    expect(consistencyBadge(result(200, report([])))).toEqual({ tone: 'ok', label: 'Money consistent', title: '4 orders, 3 payments checked, 1 in flight' });
  });

  test('When there are violations, then the badge is red and counts them in words', () => {
    const one = { rule: 'double-charge' as const, order_id: 1, payment_id: 2, detail: 'x' };
    expect(consistencyBadge(result(200, report([one])))).toMatchObject({ tone: 'down', label: '1 violation' });
    expect(consistencyBadge(result(200, report([one, { ...one, payment_id: 5 }])))).toMatchObject({ tone: 'down', label: '2 violations' });
  });

  test('When nothing has answered yet or the check fails, then the badge is grey and says why', () => {
    expect(consistencyBadge(undefined)).toMatchObject({ tone: 'unknown', label: 'Checking money…' });
    expect(consistencyBadge(result(503))).toEqual({ tone: 'unknown', label: 'Money unknown', title: 'The money consistency check could not run: The consistency check could not read payment-service' });
  });
});
