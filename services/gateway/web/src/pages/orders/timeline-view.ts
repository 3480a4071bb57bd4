import type { ApiResult } from '../../api/http';
import type { OrderTimeline, Payment, PaymentSaga, Reservation, SagaEntry } from '../../api/types';

type Step = SagaEntry['step'];

/** Each step of the saga in words, as a person reads the timeline. */
export const STEP_WORDS: Record<Step, string> = {
  record: 'Record the payment',
  await_stock: 'Wait for the stock',
  charge: 'Charge the card',
  confirm: 'Set the order PAID',
  cancel_order: 'Cancel the order',
  refund: 'Refund the charge',
  void: 'Void the charge',
  finish: 'Finish the saga',
};

/** A step's words inside a sentence: "charge the card", "set the order PAID". */
export const stepPhrase = (step: Step): string => {
  const words = STEP_WORDS[step] ?? step;
  return `${words.charAt(0).toLowerCase()}${words.slice(1)}`;
};

/** The service each step talks to: the Payment service runs the saga, these are on the other end. */
export const STEP_SERVICE: Record<Step, string> = {
  record: 'payment-service',
  await_stock: 'order-service',
  charge: 'payment-provider',
  confirm: 'order-service',
  cancel_order: 'order-service',
  refund: 'payment-provider',
  void: 'payment-provider',
  finish: 'payment-service',
};

/** The steps that undo what the saga did (the compensations): they run only when the forward steps could not finish. */
export const COMPENSATION_STEPS: readonly Step[] = ['cancel_order', 'refund', 'void'];

export const isCompensation = (step: Step): boolean => COMPENSATION_STEPS.includes(step);

/** One line of the timeline. */
export interface EntryView {
  key: string;
  step: Step;
  words: string;
  /** The service the step called. */
  service: string;
  outcome: SagaEntry['outcome'];
  attempt: number;
  detail: string;
  traceId: string | null;
  at: string;
  /** Milliseconds since the payment's first entry. */
  offsetMs: number;
  compensation: boolean;
}

/** A payment's entries, oldest first, each with its words, its service and its time since the saga began. */
export function entryViews(saga: PaymentSaga): EntryView[] {
  const first = saga.entries[0]?.at ?? saga.payment.created_at;
  const start = Date.parse(first);
  return saga.entries.map((entry, index) => ({
    key: `${saga.payment.id}-${index}`,
    step: entry.step,
    words: STEP_WORDS[entry.step] ?? entry.step,
    service: STEP_SERVICE[entry.step] ?? 'payment-service',
    outcome: entry.outcome,
    attempt: entry.attempt,
    detail: entry.detail,
    traceId: entry.trace_id,
    at: entry.at,
    offsetMs: Math.max(0, Date.parse(entry.at) - start),
    compensation: isCompensation(entry.step),
  }));
}

/** Where a payment's saga stands, in one sentence, with the tone it is shown in. */
export interface SagaEnding {
  tone: 'ok' | 'down' | 'warn' | 'running';
  text: string;
}

/**
 * The end of a payment's saga as the timeline closes it: still running (and its next step),
 * completed, failed (no money was taken) or refunded (taken and given back).
 *
 * @example
 * sagaEnding({ ...payment, status: 'FAILED', reason: 'card declined' }).text // 'Failed: card declined. No money was taken.'
 */
export function sagaEnding(payment: Payment): SagaEnding {
  switch (payment.status) {
    case 'PENDING':
      return { tone: 'running', text: payment.step ? `In progress: next, ${stepPhrase(payment.step)}…` : 'In progress…' };
    case 'COMPLETED':
      return { tone: 'ok', text: 'Completed: the card was charged and the order is PAID.' };
    case 'FAILED':
      return { tone: 'down', text: `Failed: ${payment.reason ?? 'no reason given'}. No money was taken.` };
    case 'REFUNDED':
      return { tone: 'warn', text: `Refunded: ${payment.reason ?? 'compensated'}. The money was taken, then given back.` };
  }
}

/** What a reservation's state means for the order, in words. */
export function reservationWords(reservation: Reservation): string {
  const units = `${reservation.quantity} unit${reservation.quantity === 1 ? '' : 's'} of product #${reservation.product_id}`;
  switch (reservation.state) {
    case 'RESERVED':
      return `${units} held for this order until it is paid or cancelled.`;
    case 'COMMITTED':
      return `${units} sold: the order was paid.`;
    case 'RELEASED':
      return `${units} given back to stock: the order was cancelled or expired.`;
  }
}

/**
 * What is still in motion for an order, in words: a payment whose saga runs, stock not confirmed
 * yet, a reservation that has not caught up with the order (its event is on its way), a part that
 * could not be read. Empty once everything has settled.
 */
export function settlingReasons(timeline: OrderTimeline): string[] {
  const reasons: string[] = [];
  const { order, reservation } = timeline;
  for (const { payment } of timeline.payments ?? []) {
    if (payment.status === 'PENDING') reasons.push(`payment #${payment.id} is running${payment.step ? ` (${stepPhrase(payment.step)})` : ''}`);
  }
  if (order.stock === 'AWAITING') reasons.push('the stock is not confirmed yet');
  if (reservation?.state === 'RESERVED' && order.status === 'PAID') reasons.push('the reservation is not committed yet');
  if (reservation?.state === 'RESERVED' && order.status === 'CANCELLED') reasons.push('the reservation is not released yet');
  if (timeline.degraded.length > 0) reasons.push(`${timeline.degraded.join(' and ')} could not be read`);
  return reasons;
}

/**
 * Whether the timeline page asks again: while something is in motion, and while the gateway does
 * not answer or fails (it may come back); not once the order has settled, nor for an order that
 * does not exist.
 */
export function stillSettling(result: ApiResult<OrderTimeline>): boolean {
  if (!result.ok || !result.data) return result.status === 0 || result.status >= 500;
  return settlingReasons(result.data).length > 0;
}
