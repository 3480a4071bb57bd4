import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common.js';
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

/** An order in `GET /api/orders`, with its user and product embedded. */
export const OrderWithParties = Type.Object({
  ...Order.properties,
  user: Type.Union([User, Type.Null()]),
  product: Type.Union([Product, Type.Null()]),
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

/** Body of `PUT /api/orders/:id/status` (service credential required). */
export const UpdateOrderStatus = Type.Object({ status: OrderStatus }, { additionalProperties: false });
export type UpdateOrderStatus = Static<typeof UpdateOrderStatus>;
