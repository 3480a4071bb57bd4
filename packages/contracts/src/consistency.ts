import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common.js';

/**
 * The money rules the consistency checker holds the system to, as short stable ids (scripts and
 * the UI match on them):
 * - `paid-without-payment`: an order is PAID with no COMPLETED payment (and none in flight);
 * - `amount-mismatch`: the COMPLETED payment of a PAID order is not for the order's total;
 * - `charged-unpaid-order`: an order that is not PAID has a COMPLETED payment (net charge must be 0);
 * - `orphan-payment`: a payment names an order that does not exist;
 * - `double-charge`: an order has more than one COMPLETED payment.
 */
export const ConsistencyRule = Type.Union([
  Type.Literal('paid-without-payment'),
  Type.Literal('amount-mismatch'),
  Type.Literal('charged-unpaid-order'),
  Type.Literal('orphan-payment'),
  Type.Literal('double-charge'),
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
  violations: Type.Array(ConsistencyViolation),
  in_flight: Type.Array(InFlightPayment),
  ok: Type.Boolean(),
});
export type ConsistencyReport = Static<typeof ConsistencyReport>;
