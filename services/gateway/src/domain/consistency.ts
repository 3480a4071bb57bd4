import type { ConsistencyReport, ConsistencyViolation, InFlightPayment, Order, Payment } from '@microshop/contracts';

/** Money compared in cents: 0.1 + 0.2 style float noise is never a violation. */
const cents = (amount: number) => Math.round(amount * 100);

/**
 * Joins pages read one after the other into one list, each id once (the first seen wins). Lists
 * are newest first, so a row created while the pages are read pushes older rows down a page and
 * they would otherwise be counted twice.
 */
export function mergePages<T extends { id: number }>(pages: readonly (readonly T[])[]): T[] {
  const byId = new Map<number, T>();
  for (const page of pages) for (const row of page) if (!byId.has(row.id)) byId.set(row.id, row);
  return [...byId.values()];
}

/**
 * Checks every order against every payment, as the money invariant says: an order is PAID iff it
 * has exactly one COMPLETED payment, for its total; no order that is not PAID has a COMPLETED
 * payment; no payment without its order. FAILED payments took no money and are fine; PENDING ones
 * are in flight (a PAID order whose payment is still PENDING is mid-payment, not a violation).
 * Pure, so that every rule is unit-tested without a service; `now` is in epoch milliseconds.
 *
 * The payments must be read before the orders: a payment is COMPLETED only after its order is
 * PAID, so an order read later is never older than its payment (no false alarm mid-payment).
 */
export function checkConsistency(orders: readonly Order[], payments: readonly Payment[], now: number): ConsistencyReport {
  const violations: ConsistencyViolation[] = [];
  const orderById = new Map(orders.map((order) => [order.id, order]));
  const paymentsOf = new Map<number, Payment[]>();
  for (const payment of [...payments].sort((a, b) => a.id - b.id)) {
    if (!orderById.has(payment.order_id)) {
      violations.push({ rule: 'orphan-payment', order_id: payment.order_id, payment_id: payment.id, detail: `Payment ${payment.id} (${payment.status}) is for order ${payment.order_id}, which does not exist` });
      continue;
    }
    paymentsOf.set(payment.order_id, [...(paymentsOf.get(payment.order_id) ?? []), payment]);
  }

  for (const order of [...orders].sort((a, b) => a.id - b.id)) {
    const own = paymentsOf.get(order.id) ?? [];
    const completed = own.filter((p) => p.status === 'COMPLETED');
    const pending = own.some((p) => p.status === 'PENDING');
    if (order.status !== 'PAID') {
      for (const p of completed) {
        violations.push({ rule: 'charged-unpaid-order', order_id: order.id, payment_id: p.id, detail: `Order ${order.id} is ${order.status} but payment ${p.id} of ${p.amount.toFixed(2)} is COMPLETED` });
      }
      continue;
    }
    if (completed.length === 0 && !pending) {
      violations.push({ rule: 'paid-without-payment', order_id: order.id, payment_id: null, detail: `Order ${order.id} is PAID but has no COMPLETED payment` });
    }
    for (const extra of completed.slice(1)) {
      violations.push({ rule: 'double-charge', order_id: order.id, payment_id: extra.id, detail: `Order ${order.id} has ${completed.length} COMPLETED payments; payment ${extra.id} is one too many` });
    }
    for (const p of completed) {
      if (cents(p.amount) !== cents(order.total)) {
        violations.push({ rule: 'amount-mismatch', order_id: order.id, payment_id: p.id, detail: `Payment ${p.id} is for ${p.amount.toFixed(2)}, order ${order.id} totals ${order.total.toFixed(2)}` });
      }
    }
  }

  const in_flight: InFlightPayment[] = payments
    .filter((p) => p.status === 'PENDING')
    .sort((a, b) => a.id - b.id)
    .map((p) => ({ payment_id: p.id, order_id: p.order_id, age_s: Math.max(0, Math.round((now - Date.parse(p.created_at)) / 100) / 10) }));

  return {
    checked_at: new Date(now).toISOString(),
    orders_checked: orders.length,
    payments_checked: payments.length,
    violations,
    in_flight,
    ok: violations.length === 0,
  };
}
