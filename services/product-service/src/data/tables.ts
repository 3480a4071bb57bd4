import type { Generated, Insertable, Selectable } from 'kysely';

/** The `products` table. Prices are integer cents. */
export interface ProductsTable {
  id: Generated<number>;
  name: string;
  price_cents: number;
  description: string | null;
  created_at: string;
}

/** Every table the Product service owns. No other service reads them. */
export interface ProductTables {
  products: ProductsTable;
}

export type ProductRow = Selectable<ProductsTable>;
export type NewProductRow = Insertable<ProductsTable>;
