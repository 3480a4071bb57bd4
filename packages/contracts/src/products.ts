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

export const Product = Type.Object({
  id: Id,
  name: Type.String(),
  price: Price,
  description: Type.Union([Type.String(), Type.Null()]),
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
  },
  { additionalProperties: false },
);
export type CreateProduct = Static<typeof CreateProduct>;
