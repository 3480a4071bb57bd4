import type { Page, PageResult } from '@microshop/chassis';
import type { Product } from '@microshop/contracts';
import type { ProductDeps } from './deps.js';
import { toProduct } from './product-view.js';

/**
 * Products newest first, one page at a time; or, given ids, exactly those that exist (one query,
 * for services that embed products in their own lists).
 */
export async function listProducts({ products }: Pick<ProductDeps, 'products'>, page: Page, ids?: readonly number[]): Promise<PageResult<Product>> {
  if (ids) {
    const rows = await products.findByIds([...new Set(ids)]);
    return { items: rows.map(toProduct), total: rows.length };
  }
  const { items, total } = await products.list(page);
  return { items: items.map(toProduct), total };
}
