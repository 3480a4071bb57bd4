import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, crashPoint, currentDeadline, currentTraceId, neighbourCents, runWithDeadline, traced } from '@microshop/chassis';
import type { CreatePayment, Payment } from '@microshop/contracts';
import { PaymentExistsError } from '../data/payment-repository.js';
import type { PaymentRow } from '../data/tables.js';
import type { PaymentDeps } from './deps.js';
import { toPayment } from './payment-view.js';
import type { SagaRunner } from './saga.js';

/** Time kept, before the caller's deadline, to send the answer back. */
const ANSWER_MARGIN_MS = 100;

/** How `POST /api/payments` ended: 201 with the COMPLETED payment, or 202 while its saga goes on. */
export type PayResult = { status: 201 | 202; payment: Payment };

/**
 * Pays an order, as the spec's worked example does (read the order, record the payment, set the
 * order PAID, answer COMPLETED), as a saga: the payment is recorded PENDING (claiming the order: a
 * unique index allows one live payment per order, so no order is paid twice), then the saga charges
 * the provider and confirms the order, all within the request's budget when it can. When it cannot
 * (a slow provider, the Order service down), the answer is 202 with the payment as it stands and a
 * link to poll, and the saga goes on in the background until the payment is final.
 */
export async function payOrder(deps: PaymentDeps, runner: SagaRunner, { order_id }: CreatePayment): Promise<PayResult> {
  const { payments, orders, now, saga } = deps;
  const started = now().getTime();
  const live = await payments.findLiveByOrder(order_id);
  if (live?.status === 'COMPLETED') throw AppError.conflict(`Order ${order_id} is already paid (payment ${live.id})`, 'order_id');
  if (live) throw inProgress(live);

  const order = await orders.find(order_id);
  if (!order) throw AppError.notFound('order', order_id, 'order_id');
  if (order.status !== 'PENDING') throw AppError.conflict(`Order ${order_id} is ${order.status}; only a PENDING order can be paid`, 'order_id');

  const at = now();
  const token = runner.newToken();
  const amountCents = neighbourCents(order.total, 'order-service', 'an order total');
  const step = order.stock === 'AWAITING' ? 'await_stock' : 'charge';
  let payment: PaymentRow;
  try {
    payment = await traced(
      'payment.record',
      () =>
        payments.insert(
          {
            order_id,
            amount_cents: amountCents,
            status: 'PENDING',
            created_at: at.toISOString(),
            updated_at: at.toISOString(),
            step,
            reason: null,
            charge_id: null,
            attempts: 0,
            next_attempt_at: at.getTime(),
            lease_until: at.getTime() + saga.leaseMs,
            lease_owner: token,
            order_cancelled: 0,
          },
          { step: 'record', outcome: 'done', attempt: 1, detail: `payment of ${order.total} recorded for order ${order_id}`, trace_id: currentTraceId() ?? null },
        ),
      { 'order.id': order_id, 'payment.amount_cents': amountCents },
    );
  } catch (error) {
    if (error instanceof PaymentExistsError) throw AppError.conflict(`A payment for order ${order_id} is in progress`, 'order_id');
    throw error;
  }
  crashPoint('saga.after_record');

  // The answer comes within our budget and before the caller's own deadline (x-budget-ms), with a
  // margin for the way back. The saga itself is not bound by the caller's deadline: it runs on
  // past the answer if it must, under its own timeouts.
  const callerDeadline = currentDeadline();
  const until = Math.min(started + saga.budgetMs, callerDeadline === undefined ? Infinity : callerDeadline - ANSWER_MARGIN_MS);
  const run = runWithDeadline(Number.MAX_SAFE_INTEGER, () => runner.run(payment, token, until));
  const outcome = await Promise.race([run, sleep(Math.max(0, until - now().getTime()), undefined, { ref: false })]);
  if (!outcome) {
    run.catch(() => undefined);
    const current = (await payments.findById(payment.id)) ?? payment;
    if (current.status === 'PENDING') return { status: 202, payment: toPayment(current) };
    return answer(current);
  }
  return answer(outcome);
}

/** The final (or still pending) payment as the answer to the request that started it. */
function answer(row: PaymentRow): PayResult {
  switch (row.status) {
    case 'COMPLETED':
      return { status: 201, payment: toPayment(row) };
    case 'PENDING':
      return { status: 202, payment: toPayment(row) };
    case 'FAILED':
      if (row.reason === 'card declined') {
        throw new AppError({ status: 402, code: 'payment-declined', title: 'Payment declined', detail: `The card was declined: payment ${row.id} is FAILED, no money was taken, and order ${row.order_id} can be paid again`, field: 'order_id' });
      }
      throw AppError.conflict(`Payment ${row.id} is FAILED (${row.reason ?? 'failed'}); no money was taken`, 'order_id');
    case 'REFUNDED':
      throw AppError.conflict(`Order ${row.order_id} could not be paid (${row.reason ?? 'compensated'}): payment ${row.id} was charged and REFUNDED`, 'order_id');
  }
}

function inProgress(live: PaymentRow): AppError {
  return new AppError({
    status: 409,
    code: 'conflict',
    title: 'Conflict',
    detail: `A payment for order ${live.order_id} is in progress (payment ${live.id}, step ${live.step ?? 'none'}): see /api/payments/${live.id}`,
    field: 'order_id',
    headers: { location: `/api/payments/${live.id}`, 'retry-after': '1' },
  });
}
