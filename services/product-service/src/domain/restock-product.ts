import { AppError } from '@microshop/chassis';
import { MAX_STOCK, type Product } from '@microshop/contracts';
import type { ProductDeps } from './deps.js';
import { toProduct } from './product-view.js';

/**
 * Adds units to a product's stock (they count as received, so the books stay balanced). The
 * product must track stock: one created without `stock` has unlimited units, and restocking it
 * means nothing (409 naming `stock`). Stock never exceeds MAX_STOCK (409 naming `quantity`).
 */
export async function restockProduct({ products }: Pick<ProductDeps, 'products'>, id: number, quantity: number): Promise<Product> {
  const restocked = await products.restock(id, quantity, MAX_STOCK);
  if (restocked) return toProduct(restocked);

  const product = await products.findById(id);
  if (!product) throw AppError.notFound('product', id);
  if (product.stock === null) throw AppError.conflict(`Product ${id} does not track stock: any quantity can be ordered, there is nothing to restock`, 'stock');
  throw AppError.conflict(`Product ${id} has ${product.stock} units; ${quantity} more would exceed the most a product may hold (${MAX_STOCK})`, 'quantity');
}
