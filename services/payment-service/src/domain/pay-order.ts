import { AppError, neighbourCents, traced } from '@microshop/chassis';
import type { CreatePayment, Payment } from '@microshop/contracts';
import { PaymentExistsError } from '../data/payment-repository.js';
import type { PaymentRow } from '../data/tables.js';
import type { PaymentDeps } from './deps.js';
import { toPayment } from './payment-view.js';

/**
 * Pays an order, as the spec's worked example does: read the order from the Order service, record
 * the payment for its total, have the Order service set it PAID, answer COMPLETED.
 *
 * The two writes live in two databases, so the payment is first recorded PENDING (claiming the
 * order: a unique index allows one live payment per order, so no order is ever paid twice), and only
 * becomes COMPLETED once the order is PAID. If the Order service refuses, the payment is FAILED. If
 * it cannot be reached, the payment stays PENDING and the answer is 503: the next request for that
 * order (after `pendingGraceMs`) finishes it, since setting PAID twice is harmless.
 */
export async function payOrder(deps: PaymentDeps, { order_id }: CreatePayment): Promise<Payment> {
  const { payments, orders, now, pendingGraceMs } = deps;
  const live = await payments.findLiveByOrder(order_id);
  if (live?.status === 'COMPLETED') throw AppError.conflict(`Order ${order_id} is already paid (payment ${live.id})`, 'order_id');
  if (live) {
    const inProgress = AppError.conflict(`A payment for order ${order_id} is in progress (payment ${live.id})`, 'order_id');
    if (now().getTime() - Date.parse(live.updated_at) < pendingGraceMs) throw inProgress;
    // Take the abandoned payment over; of several requests doing so at once, one wins.
    const reclaimed = await payments.reclaim(live.id, live.updated_at, now().toISOString());
    if (!reclaimed) throw inProgress;
    return finish(deps, reclaimed);
  }

  const order = await orders.find(order_id);
  if (!order) throw AppError.notFound('order', order_id, 'order_id');
  if (order.status !== 'PENDING') {
    throw AppError.conflict(`Order ${order_id} is ${order.status}; only a PENDING order can be paid`, 'order_id');
  }

  const at = now().toISOString();
  let payment: PaymentRow;
  try {
    const amountCents = neighbourCents(order.total, 'order-service', 'an order total');
    payment = await traced('payment.record', () => payments.insert({ order_id, amount_cents: amountCents, status: 'PENDING', created_at: at, updated_at: at }), {
      'order.id': order_id,
      'payment.amount_cents': amountCents,
    });
  } catch (error) {
    if (error instanceof PaymentExistsError) throw AppError.conflict(`A payment for order ${order_id} is in progress`, 'order_id');
    throw error;
  }
  return finish(deps, payment);
}

/** Sets the order PAID, then the payment COMPLETED; or the payment FAILED when the order refuses. */
async function finish({ payments, orders, now }: PaymentDeps, payment: PaymentRow): Promise<Payment> {
  let outcome: 'paid' | 'refused';
  try {
    outcome = await orders.markPaid(payment.order_id);
  } catch (error) {
    if (error instanceof AppError && error.status >= 500) {
      throw new AppError({
        status: error.status,
        code: error.code,
        title: error.title,
        detail: `${error.message}. Payment ${payment.id} is recorded as PENDING and no money was taken; send the same request again to finish it.`,
        ...(error.service ? { service: error.service } : {}),
        headers: { 'retry-after': '1' },
        cause: error,
      });
    }
    throw error;
  }
  if (outcome === 'refused') {
    await payments.setStatus(payment.id, 'FAILED', now().toISOString());
    throw AppError.conflict(`Order ${payment.order_id} can no longer be paid; payment ${payment.id} is FAILED and no money was taken`, 'order_id');
  }
  return toPayment(await payments.setStatus(payment.id, 'COMPLETED', now().toISOString()));
}
