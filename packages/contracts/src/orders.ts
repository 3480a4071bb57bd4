import { Type, type Static } from 'typebox';
import { Id, PageQuery, Timestamp } from './common.js';
import { Money, Product } from './products.js';
import { User } from './users.js';

/** The most items one order line may ask for. */
export const MAX_QUANTITY = 10_000;


export const OrderStatus = Type.Union([Type.Literal('PENDING'), Type.Literal('PAID'), Type.Literal('CANCELLED')]);
export type OrderStatus = Static<typeof OrderStatus>;

export const Order = Type.Object({
  id: Id,
  user_id: Id,
  product_id: Id,
  quantity: Type.Integer(),
  total: Money,
  status: OrderStatus,
  created_at: Timestamp,
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

/** Body of `PUT /api/orders/:id/status` (service credential required). */
export const UpdateOrderStatus = Type.Object({ status: OrderStatus }, { additionalProperties: false });
export type UpdateOrderStatus = Static<typeof UpdateOrderStatus>;
