import type { CancelReason, OrderStatus, StockStatus } from '@microshop/contracts';
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
  /** What the Product service answered about the order's stock; null for a product without tracked stock. */
  stock_status: StockStatus | null;
  /** When an unpaid order holding stock is cancelled by the sweeper (ISO 8601, UTC); null: never. */
  expires_at: string | null;
  /** Why a CANCELLED order was cancelled; null otherwise. */
  cancel_reason: CancelReason | null;
}

/** Every table the Order service owns. No other service reads them. */
export interface OrderTables extends IdempotencyTables, EventTables {
  orders: OrdersTable;
}

export type OrderRow = Selectable<OrdersTable>;
export type NewOrderRow = Insertable<OrdersTable>;
