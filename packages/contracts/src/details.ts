import { Type, type Static } from 'typebox';
import { Order } from './orders.js';
import { Payment, PaymentSaga } from './payments.js';
import { Product, Reservation } from './products.js';
import { User } from './users.js';

/** The parts of a composed view that could not be fetched, by name (e.g. `payments`). Empty when complete. */
export const Degraded = Type.Array(Type.String(), { description: 'The parts that could not be fetched; they are null' });

/** `GET /api/users/:id/details`: a user with their orders and those orders' payments. */
export const UserDetails = Type.Object({
  user: User,
  orders: Type.Union([Type.Array(Order), Type.Null()]),
  payments: Type.Union([Type.Array(Payment), Type.Null()]),
  summary: Type.Object({
    total_orders: Type.Union([Type.Integer(), Type.Null()]),
    total_payments: Type.Union([Type.Integer({ description: 'COMPLETED payments' }), Type.Null()]),
    total_spent: Type.Union([Type.Number({ minimum: 0, description: 'Sum of COMPLETED payments' }), Type.Null()]),
  }),
  degraded: Degraded,
});
export type UserDetails = Static<typeof UserDetails>;

/** `GET /api/orders/:id/details`: an order with its user, product and payment. */
export const OrderDetails = Type.Object({
  order: Order,
  user: Type.Union([User, Type.Null()]),
  product: Type.Union([Product, Type.Null()]),
  payment: Type.Union([Payment, Type.Null()], { description: 'The COMPLETED payment, else the latest attempt; null when none' }),
  degraded: Degraded,
});
export type OrderDetails = Static<typeof OrderDetails>;

/**
 * `GET /api/orders/:id/timeline`: the saga of an order as the three services that take part saw it:
 * the order, each payment attempt with every step, retry and compensation of its saga (each with its
 * trace id), and the order's stock reservation.
 */
export const OrderTimeline = Type.Object({
  order: Order,
  payments: Type.Union([Type.Array(PaymentSaga), Type.Null()], { description: 'Oldest first; null when the Payment service did not answer' }),
  reservation: Type.Union([Reservation, Type.Null()], { description: 'Null when the product has no tracked stock, or the Product service did not answer' }),
  degraded: Degraded,
});
export type OrderTimeline = Static<typeof OrderTimeline>;
