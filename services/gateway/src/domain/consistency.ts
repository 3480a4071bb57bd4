import type { Charge, ConsistencyReport, ConsistencyViolation, InFlightPayment, Order, Payment, StockLedger } from '@microshop/contracts';

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

/** What the checker reads: the two required ledgers, and the optional ones it checks when it could read them. */
export interface ConsistencyInput {
  orders: readonly Order[];
  payments: readonly Payment[];
  /** The payment provider's charges; undefined when it could not be read (its rules are skipped). */
  charges?: readonly Charge[] | undefined;
  /** Product's stock books; undefined when it could not be read. */
  stock?: StockLedger | undefined;
  /** Events recorded and not delivered yet, over every outbox: while any are, a stock mismatch may still settle. */
  eventsPending?: number;
  /** The parts that could not be read, named in the report. */
  unavailable?: readonly string[];
}

/**
 * Checks the money and the stock, as the invariant says (docs/consistency.md):
 * - an order is PAID iff it has exactly one COMPLETED payment, for its total; no order that is not
 *   PAID has a COMPLETED payment; no payment without its order;
 * - at the provider, net of refunds, each order was charged its total when PAID and 0 otherwise, and
 *   every payment REFUNDED was refunded there (money neither created nor lost);
 * - each stocked product's units are conserved (received = available + reserved + sold), and each
 *   reservation agrees with its order (none held for a CANCELLED order, sold iff PAID).
 * PENDING payments are in flight: their orders are left out of the money rules until they end. A
 * reservation that disagrees while events are still on their way is `converging`, not a violation.
 * Pure, so that every rule is unit-tested without a service; `now` is in epoch milliseconds.
 *
 * The payments must be read before the orders, and the charges before the payments: a payment is
 * COMPLETED only after its order is PAID and its charge succeeded, so a later read is never older.
 */
export function checkConsistency({ orders, payments, charges, stock, eventsPending = 0, unavailable = [] }: ConsistencyInput, now: number): ConsistencyReport {
  const violations: ConsistencyViolation[] = [];
  const converging: ConsistencyReport['converging'] = [];
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

  if (charges) violations.push(...checkProvider(orders, payments, charges, orderById, paymentsOf));
  if (stock) {
    const { broken, settling } = checkStock(stock, orderById, eventsPending);
    violations.push(...broken);
    converging.push(...settling);
  }

  const in_flight: InFlightPayment[] = payments
    .filter((p) => p.status === 'PENDING')
    .sort((a, b) => a.id - b.id)
    .map((p) => ({ payment_id: p.id, order_id: p.order_id, age_s: Math.max(0, Math.round((now - Date.parse(p.created_at)) / 100) / 10) }));

  return {
    checked_at: new Date(now).toISOString(),
    orders_checked: orders.length,
    payments_checked: payments.length,
    charges_checked: charges?.length ?? 0,
    products_checked: stock?.products.length ?? 0,
    violations,
    in_flight,
    converging,
    events_pending: eventsPending,
    unavailable: [...unavailable],
    ok: violations.length === 0,
  };
}

/** The provider's ledger against the orders: net charge per order, and refunds where payments say REFUNDED. */
function checkProvider(orders: readonly Order[], payments: readonly Payment[], charges: readonly Charge[], orderById: Map<number, Order>, paymentsOf: Map<number, Payment[]>): ConsistencyViolation[] {
  const violations: ConsistencyViolation[] = [];
  const netOf = new Map<number, number>();
  const chargeByReference = new Map(charges.map((c) => [c.reference, c]));
  for (const charge of charges) {
    if (charge.status === 'SUCCEEDED') netOf.set(charge.order_id, (netOf.get(charge.order_id) ?? 0) + cents(charge.amount));
  }
  for (const [orderId, net] of netOf) {
    if (!orderById.has(orderId)) violations.push({ rule: 'net-charge', order_id: orderId, payment_id: null, detail: `The provider holds ${(net / 100).toFixed(2)} for order ${orderId}, which does not exist` });
  }
  for (const order of orders) {
    // Mid-saga the money may be taken and the order not PAID yet (or PAID, payment not COMPLETED yet).
    if ((paymentsOf.get(order.id) ?? []).some((p) => p.status === 'PENDING')) continue;
    const net = netOf.get(order.id) ?? 0;
    const expected = order.status === 'PAID' ? cents(order.total) : 0;
    if (net !== expected) {
      violations.push({ rule: 'net-charge', order_id: order.id, payment_id: null, detail: `Order ${order.id} is ${order.status}: the provider holds ${(net / 100).toFixed(2)} for it, ${(expected / 100).toFixed(2)} expected` });
    }
  }
  for (const payment of payments) {
    if (payment.status !== 'REFUNDED') continue;
    const charge = chargeByReference.get(`payment-${payment.id}`);
    if (charge && charge.status !== 'REFUNDED') {
      violations.push({ rule: 'refund-missing', order_id: payment.order_id, payment_id: payment.id, detail: `Payment ${payment.id} is REFUNDED but its charge ${charge.id} is ${charge.status} at the provider` });
    }
  }
  return violations;
}

/** Product's books: units conserved per product, and each reservation in line with its order. */
function checkStock(stock: StockLedger, orderById: Map<number, Order>, eventsPending: number): { broken: ConsistencyViolation[]; settling: ConsistencyReport['converging'] } {
  const broken: ConsistencyViolation[] = [];
  const settling: ConsistencyReport['converging'] = [];
  for (const p of stock.products) {
    if (p.received !== p.available + p.reserved + p.sold) {
      broken.push({ rule: 'stock-not-conserved', order_id: null, payment_id: null, detail: `Product ${p.product_id} received ${p.received} units but has ${p.available} available + ${p.reserved} reserved + ${p.sold} sold` });
    }
  }
  const mismatch = (orderId: number, detail: string) => {
    if (eventsPending > 0) settling.push({ order_id: orderId, detail });
    else broken.push({ rule: 'reservation-mismatch', order_id: orderId, payment_id: null, detail });
  };
  const reserved = new Set<number>();
  for (const r of stock.reservations) {
    reserved.add(r.order_id);
    const order = orderById.get(r.order_id);
    if (!order) mismatch(r.order_id, `Reservation of ${r.quantity} × product ${r.product_id} is ${r.state} for order ${r.order_id}, which does not exist`);
    else if (r.state === 'RESERVED' && order.status !== 'PENDING') mismatch(order.id, `Order ${order.id} is ${order.status} but its ${r.quantity} unit(s) are still RESERVED`);
    else if (r.state === 'COMMITTED' && order.status !== 'PAID') mismatch(order.id, `Order ${order.id} is ${order.status} but its ${r.quantity} unit(s) are sold (COMMITTED)`);
    else if (r.state === 'RELEASED' && order.status === 'PAID') mismatch(order.id, `Order ${order.id} is PAID but its stock was RELEASED`);
  }
  for (const order of orderById.values()) {
    if (order.status === 'PAID' && order.stock !== undefined && !reserved.has(order.id)) mismatch(order.id, `Order ${order.id} is PAID for a stocked product but has no reservation`);
  }
  return { broken, settling };
}
