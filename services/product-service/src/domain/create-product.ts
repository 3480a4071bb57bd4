import { toCents } from '@microshop/chassis';
import type { CreateProduct, Product } from '@microshop/contracts';
import type { ProductDeps } from './deps.js';
import { toProduct } from './product-view.js';

/** Adds a product to the catalogue. The price is kept in integer cents (999.99 → 99999). */
export async function createProduct({ products, now }: ProductDeps, input: CreateProduct): Promise<Product> {
  const row = await products.insert({
    name: input.name.trim(),
    price_cents: toCents(input.price, 'price'),
    description: input.description ?? null,
    created_at: now().toISOString(),
  });
  return toProduct(row);
}
