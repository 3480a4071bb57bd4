import { fromCents } from '@microshop/chassis';
import type { Product } from '@microshop/contracts';
import type { ProductRow } from '../data/tables.js';

/** A stored product as the API shows it: cents become a decimal price. */
export function toProduct({ price_cents, ...row }: ProductRow): Product {
  return { ...row, price: fromCents(price_cents) };
}
