import { toCents } from '@microshop/chassis';
import type { CreateProduct, Product } from '@microshop/contracts';
import type { ProductDeps } from './deps.js';
import { toProduct } from './product-view.js';

/**
 * Adds a product to the catalogue. The price is kept in integer cents (999.99 → 99999). With a
 * `stock`, the product tracks it: those units are available and count as received; without, any
 * quantity can be ordered, as in the spec.
 */
export async function createProduct({ products, now }: Pick<ProductDeps, 'products' | 'now'>, input: CreateProduct): Promise<Product> {
  const stock = input.stock ?? null;
  const row = await products.insert({
    name: input.name.trim(),
    price_cents: toCents(input.price, 'price'),
    description: input.description ?? null,
    created_at: now().toISOString(),
    stock,
    stock_received: stock,
  });
  return toProduct(row);
}
