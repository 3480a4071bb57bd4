import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common.js';

/**
 * The money rules the consistency checker holds the system to, as short stable ids (scripts and
 * the UI match on them):
 * - `paid-without-payment`: an order is PAID with no COMPLETED payment (and none in flight);
 * - `amount-mismatch`: the COMPLETED payment of a PAID order is not for the order's total;
 * - `charged-unpaid-order`: an order that is not PAID has a COMPLETED payment (net charge must be 0);
 * - `orphan-payment`: a payment names an order that does not exist;
 * - `double-charge`: an order has more than one COMPLETED payment;
 * - `net-charge`: the provider's ledger holds, net of refunds, another amount for an order than
 *   its total when PAID, or than 0 when not PAID (money created or lost);
 * - `refund-missing`: a payment says REFUNDED but the provider kept the money;
 * - `stock-not-conserved`: a product's received units differ from available + reserved + sold;
 * - `reservation-mismatch`: a reservation disagrees with its order (held for a CANCELLED order,
 *   not sold for a PAID one, sold for an order not PAID), once no event is left to deliver.
 */
export const ConsistencyRule = Type.Union([
  Type.Literal('paid-without-payment'),
  Type.Literal('amount-mismatch'),
  Type.Literal('charged-unpaid-order'),
  Type.Literal('orphan-payment'),
  Type.Literal('double-charge'),
  Type.Literal('net-charge'),
  Type.Literal('refund-missing'),
  Type.Literal('stock-not-conserved'),
  Type.Literal('reservation-mismatch'),
]);
export type ConsistencyRule = Static<typeof ConsistencyRule>;

/** One broken rule, with the order and payment it is about (null when there is none). */
export const ConsistencyViolation = Type.Object({
  rule: ConsistencyRule,
  order_id: Type.Union([Id, Type.Null()]),
  payment_id: Type.Union([Id, Type.Null()]),
  detail: Type.String(),
});
export type ConsistencyViolation = Static<typeof ConsistencyViolation>;

/** A PENDING payment: money on its way, not a violation, with how long it has been pending. */
export const InFlightPayment = Type.Object({
  payment_id: Id,
  order_id: Id,
  age_s: Type.Number({ minimum: 0, description: 'Seconds since the payment was recorded' }),
});
export type InFlightPayment = Static<typeof InFlightPayment>;

/**
 * Body of `GET /api/consistency`: every order checked against every payment. `ok` is true when
 * there is no violation (payments in flight do not count).
 */
export const ConsistencyReport = Type.Object({
  checked_at: Timestamp,
  orders_checked: Type.Integer({ minimum: 0 }),
  payments_checked: Type.Integer({ minimum: 0 }),
  charges_checked: Type.Integer({ minimum: 0, description: 'Charges read from the payment provider\'s ledger' }),
  products_checked: Type.Integer({ minimum: 0, description: 'Products with tracked stock' }),
  violations: Type.Array(ConsistencyViolation),
  in_flight: Type.Array(InFlightPayment),
  /** Stock mismatches that events still on their way will settle: not violations yet. */
  converging: Type.Array(Type.Object({ order_id: Id, detail: Type.String() })),
  /** Events recorded and not yet delivered, over every outbox. */
  events_pending: Type.Integer({ minimum: 0 }),
  /** Parts the checker could not read (a service down): their rules were skipped. */
  unavailable: Type.Array(Type.String()),
  ok: Type.Boolean(),
});
export type ConsistencyReport = Static<typeof ConsistencyReport>;
