import { fromCents } from '@microshop/chassis';
import type { Payment, PaymentSaga } from '@microshop/contracts';
import type { PaymentRow, SagaLogRow } from '../data/tables.js';

/** A stored payment as the API shows it: cents become a decimal amount; the saga's step while PENDING, the reason once FAILED or REFUNDED. */
export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    order_id: row.order_id,
    amount: fromCents(row.amount_cents),
    status: row.status,
    created_at: row.created_at,
    ...(row.status === 'PENDING' && row.step ? { step: row.step } : {}),
    ...((row.status === 'FAILED' || row.status === 'REFUNDED') && row.reason ? { reason: row.reason } : {}),
  };
}

/** A payment with its saga's log, oldest line first. */
export function toPaymentSaga(row: PaymentRow, log: readonly SagaLogRow[]): PaymentSaga {
  return {
    payment: toPayment(row),
    entries: log.map((line) => ({ step: line.step, outcome: line.outcome, attempt: line.attempt, detail: line.detail, trace_id: line.trace_id, at: line.at })),
  };
}
