import type { EventTables } from '@microshop/chassis';
import type { ReservationState } from '@microshop/contracts';
import type { Generated, Insertable, Selectable } from 'kysely';

/** The `products` table. Prices are integer cents. */
export interface ProductsTable {
  id: Generated<number>;
  name: string;
  price_cents: number;
  description: string | null;
  created_at: string;
  /** Units available to order now (reserved units not counted); null: stock is not tracked, any quantity can be ordered. */
  stock: number | null;
  /** Units ever received: the initial stock plus every restock. Null exactly when `stock` is. */
  stock_received: number | null;
}

/** The `reservations` table: the units held for one order, and what became of them. */
export interface ReservationsTable {
  /** The Order service's order id: one reservation per order. */
  order_id: number;
  product_id: number;
  quantity: number;
  state: ReservationState;
  created_at: string;
  updated_at: string;
}

/** Every table the Product service owns. No other service reads them. */
export interface ProductTables extends EventTables {
  products: ProductsTable;
  reservations: ReservationsTable;
}

export type ProductRow = Selectable<ProductsTable>;
export type NewProductRow = Insertable<ProductsTable>;
export type ReservationRow = Selectable<ReservationsTable>;
