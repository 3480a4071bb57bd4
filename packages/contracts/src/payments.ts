import { Type, type Static } from 'typebox';
import { Id, IdList, PageQuery, Timestamp } from './common.js';
import { Money } from './products.js';

/**
 * PENDING: recorded, order not yet confirmed PAID. COMPLETED: the order is PAID.
 * FAILED: the order could not be set PAID; no money was taken.
 */
export const PaymentStatus = Type.Union([Type.Literal('PENDING'), Type.Literal('COMPLETED'), Type.Literal('FAILED')]);
export type PaymentStatus = Static<typeof PaymentStatus>;

export const Payment = Type.Object({
  id: Id,
  order_id: Id,
  amount: Money,
  status: PaymentStatus,
  created_at: Timestamp,
});
export type Payment = Static<typeof Payment>;

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
