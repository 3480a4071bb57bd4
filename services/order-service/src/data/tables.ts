import type { OrderStatus } from '@microshop/contracts';
import type { EventTables, IdempotencyTables } from '@microshop/chassis';
import type { Generated, Insertable, Selectable } from 'kysely';

/** The `orders` table. Totals are integer cents; user and product are ids owned by other services. */
export interface OrdersTable {
  id: Generated<number>;
  user_id: number;
  product_id: number;
  quantity: number;
  total_cents: number;
  status: OrderStatus;
  created_at: string;
  updated_at: string;
}

/** Every table the Order service owns. No other service reads them. */
export interface OrderTables extends IdempotencyTables, EventTables {
  orders: OrdersTable;
}

export type OrderRow = Selectable<OrdersTable>;
export type NewOrderRow = Insertable<OrdersTable>;
