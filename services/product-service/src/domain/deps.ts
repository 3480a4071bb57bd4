import type { ProductRepository } from '../data/product-repository.js';

/** What the Product service's use cases need: passed in, never imported. */
export interface ProductDeps {
  products: ProductRepository;
  now: () => Date;
}
