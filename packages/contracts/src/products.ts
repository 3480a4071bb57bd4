import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common.js';

/** The highest price a product may have, in currency units. */
export const MAX_PRICE = 1_000_000;

/** The highest amount any order, or payment, can reach: the highest price times the largest quantity. */
export const MAX_AMOUNT = MAX_PRICE * 10_000;

/** A money amount on the wire: a positive decimal with at most two places (cents inside every service). */
export const Money = Type.Number({ exclusiveMinimum: 0, maximum: MAX_AMOUNT, description: 'Decimal amount with at most two decimal places' });

/** A product's price on the wire. */
export const Price = Type.Number({ exclusiveMinimum: 0, maximum: MAX_PRICE, description: 'Decimal price with at most two decimal places' });

/** The most units a product may hold in stock, or be restocked with at once. */
export const MAX_STOCK = 1_000_000;

export const Product = Type.Object({
  id: Id,
  name: Type.String(),
  price: Price,
  description: Type.Union([Type.String(), Type.Null()]),
  /** Units available to order now (reserved units are not counted). Absent: stock is not tracked, any quantity can be ordered (the spec's products). */
  stock: Type.Optional(Type.Integer({ minimum: 0, description: 'Units available now; absent when the product has unlimited stock' })),
  created_at: Timestamp,
});
export type Product = Static<typeof Product>;

/** Body of `POST /api/products`. */
export const CreateProduct = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    price: Type.Number({
      exclusiveMinimum: 0,
      maximum: MAX_PRICE,
      description: 'Greater than 0, at most two decimal places',
    }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    stock: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_STOCK, description: 'Units in stock; leave out for unlimited stock' })),
  },
  { additionalProperties: false },
);
export type CreateProduct = Static<typeof CreateProduct>;

/** Body of `POST /api/products/:id/restock`: units added to a product's stock (it must track stock). */
export const Restock = Type.Object({ quantity: Type.Integer({ minimum: 1, maximum: MAX_STOCK }) }, { additionalProperties: false });
export type Restock = Static<typeof Restock>;

/**
 * A reservation of stock for one order, owned by the Product service. `RESERVED` holds the units;
 * `COMMITTED`: the order was paid, the units are sold; `RELEASED`: the order was cancelled or
 * expired, the units went back to stock.
 */
export const ReservationState = Type.Union([Type.Literal('RESERVED'), Type.Literal('COMMITTED'), Type.Literal('RELEASED')]);
export type ReservationState = Static<typeof ReservationState>;

export const Reservation = Type.Object({
  order_id: Id,
  product_id: Id,
  quantity: Type.Integer({ minimum: 1 }),
  state: ReservationState,
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Reservation = Static<typeof Reservation>;

/**
 * One stocked product's books, `GET /internal/stock` (service credential): what it received
 * (created with plus restocked) must equal what is available + reserved + sold.
 */
export const StockLedgerEntry = Type.Object({
  product_id: Id,
  received: Type.Integer({ minimum: 0 }),
  available: Type.Integer({ minimum: 0 }),
  reserved: Type.Integer({ minimum: 0 }),
  sold: Type.Integer({ minimum: 0 }),
});
export type StockLedgerEntry = Static<typeof StockLedgerEntry>;

/** Body of `GET /internal/stock`: every stocked product's books and every reservation (`?order_id=` for some orders). */
export const StockLedger = Type.Object({
  products: Type.Array(StockLedgerEntry),
  reservations: Type.Array(Reservation),
});
export type StockLedger = Static<typeof StockLedger>;
