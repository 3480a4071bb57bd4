import type { ProductRepository } from '../data/product-repository.js';
import type { StockRepository } from '../data/stock-repository.js';

/** What the Product service's use cases need: passed in, never imported. */
export interface ProductDeps {
  products: ProductRepository;
  stock: StockRepository;
  now: () => Date;
}

/**
 * What a reaction to the Order service's events needs: a stock repository bound to the event's
 * inbox transaction, so its change and the events it records commit together, once.
 */
export type StockDeps = Pick<ProductDeps, 'stock' | 'now'>;
