import { fromCents } from '@microshop/chassis';
import type { Product } from '@microshop/contracts';
import type { ProductRow } from '../data/tables.js';

/**
 * A stored product as the API shows it: cents become a decimal price, and `stock` appears only for
 * a product that tracks it, so the spec's products answer exactly as before. The units ever
 * received are bookkeeping (see the stock ledger), not part of the product.
 */
export function toProduct({ price_cents, stock, stock_received: _received, ...row }: ProductRow): Product {
  return { ...row, price: fromCents(price_cents), ...(stock === null ? {} : { stock }) };
}
