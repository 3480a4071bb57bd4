import { Type, type Static } from 'typebox';
import { Id, PageQuery, Timestamp } from './common.js';
import { Money, Product } from './products.js';
import { User } from './users.js';

/** The most items one order line may ask for. */
export const MAX_QUANTITY = 10_000;


export const OrderStatus = Type.Union([Type.Literal('PENDING'), Type.Literal('PAID'), Type.Literal('CANCELLED')]);
export type OrderStatus = Static<typeof OrderStatus>;

/**
 * Why an order was cancelled: by its buyer (`POST /api/orders/:id/cancel`), for want of stock, by
 * its expiry (an unpaid order holding stock), or by the payment saga's compensation.
 */
export const CancelReason = Type.Union([Type.Literal('cancelled'), Type.Literal('out_of_stock'), Type.Literal('expired'), Type.Literal('payment_failed')]);
export type CancelReason = Static<typeof CancelReason>;

/**
 * Where the stock of an order stands, as the Order service learnt it from the Product service's
 * events: `AWAITING` until Product answers, then `RESERVED` or `REJECTED` (the order is cancelled).
 */
export const StockStatus = Type.Union([Type.Literal('AWAITING'), Type.Literal('RESERVED'), Type.Literal('REJECTED')]);
export type StockStatus = Static<typeof StockStatus>;

export const Order = Type.Object({
  id: Id,
  user_id: Id,
  product_id: Id,
  quantity: Type.Integer(),
  total: Money,
  status: OrderStatus,
  created_at: Timestamp,
  /** Present only for a product with tracked stock (the spec's products have none). */
  stock: Type.Optional(StockStatus),
  /** Present only for an order holding stock: when an unpaid order gives it back (and is cancelled). */
  expires_at: Type.Optional(Timestamp),
  /** Present only on a CANCELLED order. */
  cancel_reason: Type.Optional(CancelReason),
});
export type Order = Static<typeof Order>;

/**
 * An order in `GET /api/orders`, with its user and product embedded (null when the owner no longer
 * has it). Both are left out when the list is asked for with `embed=false`.
 */
export const OrderWithParties = Type.Object({
  ...Order.properties,
  user: Type.Optional(Type.Union([User, Type.Null()])),
  product: Type.Optional(Type.Union([Product, Type.Null()])),
});
export type OrderWithParties = Static<typeof OrderWithParties>;

/** Body of `POST /api/orders`. The total and status are computed by the Order service. */
export const PlaceOrder = Type.Object(
  {
    user_id: Id,
    product_id: Id,
    quantity: Type.Integer({ minimum: 1, maximum: MAX_QUANTITY }),
  },
  { additionalProperties: false },
);
export type PlaceOrder = Static<typeof PlaceOrder>;

/**
 * Body of `POST /api/orders/:id/cancel`: no fields. Sending none is the same as `{}`; a field sent
 * anyway (`status`, `reason`) is refused naming it, never silently ignored.
 */
export const CancelOrder = Type.Object({}, { additionalProperties: false, description: 'No fields: send no body, or {}' });
export type CancelOrder = Static<typeof CancelOrder>;

/** Query of `GET /api/orders`: a page, optionally one user's orders, optionally without embedding. */
export const ListOrdersQuery = Type.Object(
  {
    ...PageQuery.properties,
    user_id: Type.Optional(Id),
    embed: Type.Optional(Type.Boolean({ default: true, description: 'Embed each order\'s user and product (default true)' })),
  },
  { additionalProperties: false },
);
export type ListOrdersQuery = Static<typeof ListOrdersQuery>;

/**
 * Query of `GET /api/orders/user/:user_id`: the same, the user being in the path. `Type.Omit` drops
 * `additionalProperties: false`: it is given again, so an unknown key is refused here as everywhere.
 */
export const ListUserOrdersQuery = Type.Omit(ListOrdersQuery, ['user_id'], { additionalProperties: false });
export type ListUserOrdersQuery = Static<typeof ListUserOrdersQuery>;

/**
 * Body of `PUT /api/orders/:id/status` (service credential required). `reason` goes with CANCELLED
 * (default `cancelled`).
 */
export const UpdateOrderStatus = Type.Object({ status: OrderStatus, reason: Type.Optional(CancelReason) }, { additionalProperties: false });
export type UpdateOrderStatus = Static<typeof UpdateOrderStatus>;
