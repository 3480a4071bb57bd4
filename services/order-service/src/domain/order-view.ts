import { fromCents } from '@microshop/chassis';
import type { Order } from '@microshop/contracts';
import type { OrderRow } from '../data/tables.js';

/**
 * A stored order as the API shows it: cents become a decimal total. `stock`, `expires_at` and
 * `cancel_reason` appear only when set, so the spec's orders answer as the spec shows them.
 */
export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    user_id: row.user_id,
    product_id: row.product_id,
    quantity: row.quantity,
    total: fromCents(row.total_cents),
    status: row.status,
    created_at: row.created_at,
    ...(row.stock_status === null ? {} : { stock: row.stock_status }),
    ...(row.expires_at === null ? {} : { expires_at: row.expires_at }),
    ...(row.cancel_reason === null ? {} : { cancel_reason: row.cancel_reason }),
  };
}
