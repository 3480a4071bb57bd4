import { AppError } from '@microshop/chassis';
import type { Product } from '@microshop/contracts';
import type { ProductDeps } from './deps.js';
import { toProduct } from './product-view.js';

/** One product by id, or 404. */
export async function getProduct({ products }: Pick<ProductDeps, 'products'>, id: number): Promise<Product> {
  const row = await products.findById(id);
  if (!row) throw AppError.notFound('product', id);
  return toProduct(row);
}
