import { Type, type Static } from 'typebox';
import { Id, IdList, PageQuery, Timestamp } from './common.js';
import { Money } from './products.js';

/**
 * PENDING: the saga is running (see `step`). COMPLETED: charged, and the order is PAID.
 * FAILED: no money was taken (declined, the order was cancelled first, the provider never answered).
 * REFUNDED: money was taken, then given back because the order could not be PAID (it is CANCELLED).
 */
export const PaymentStatus = Type.Union([Type.Literal('PENDING'), Type.Literal('COMPLETED'), Type.Literal('FAILED'), Type.Literal('REFUNDED')]);
export type PaymentStatus = Static<typeof PaymentStatus>;

/**
 * The steps of the payment saga, in the order they run. Forward: `await_stock` (the order's stock
 * is confirmed), `charge` (the provider takes the money), `confirm` (the order is set PAID).
 * Compensations: `cancel_order` (the order could not be PAID in time: cancel it, unless it turned
 * out PAID), `refund` (give the money back), `void` (the charge's outcome is unknown: refund it if
 * it happened, forbid it if not).
 */
export const SagaStepName = Type.Union([
  Type.Literal('await_stock'),
  Type.Literal('charge'),
  Type.Literal('confirm'),
  Type.Literal('cancel_order'),
  Type.Literal('refund'),
  Type.Literal('void'),
]);
export type SagaStepName = Static<typeof SagaStepName>;

export const Payment = Type.Object({
  id: Id,
  order_id: Id,
  amount: Money,
  status: PaymentStatus,
  created_at: Timestamp,
  /** Present while PENDING: the saga step to run next. */
  step: Type.Optional(SagaStepName),
  /** Present when FAILED or REFUNDED: why. */
  reason: Type.Optional(Type.String()),
});
export type Payment = Static<typeof Payment>;

/** One thing the saga did (or tried), for the timeline. */
export const SagaEntry = Type.Object({
  step: Type.Union([SagaStepName, Type.Literal('record'), Type.Literal('finish')]),
  outcome: Type.Union([Type.Literal('done'), Type.Literal('retry'), Type.Literal('failed'), Type.Literal('skipped')]),
  attempt: Type.Integer({ minimum: 1 }),
  detail: Type.String(),
  trace_id: Type.Union([Type.String(), Type.Null()]),
  at: Timestamp,
});
export type SagaEntry = Static<typeof SagaEntry>;

/** Body of `GET /api/payments/:id/saga`: the payment and everything its saga did, oldest first. */
export const PaymentSaga = Type.Object({ payment: Payment, entries: Type.Array(SagaEntry) });
export type PaymentSaga = Static<typeof PaymentSaga>;

/** Body of `POST /api/payments`. The amount is the order's total, read from the Order service. */
export const CreatePayment = Type.Object({ order_id: Id }, { additionalProperties: false });
export type CreatePayment = Static<typeof CreatePayment>;

/** Query of `GET /api/payments`: a page, or the payments of the given orders (`?order_id=1&order_id=2`). */
export const ListPaymentsQuery = Type.Object(
  {
    ...PageQuery.properties,
    order_id: Type.Optional(IdList),
  },
  { additionalProperties: false },
);
export type ListPaymentsQuery = Static<typeof ListPaymentsQuery>;
