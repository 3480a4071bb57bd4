import { AppError } from '@microshop/chassis';
import type { Order } from '@microshop/contracts';
import type { OrderDeps } from './deps.js';
import { toOrder } from './order-view.js';

/** One order by id, or 404. */
export async function getOrder({ orders }: Pick<OrderDeps, 'orders'>, id: number): Promise<Order> {
  const row = await orders.findById(id);
  if (!row) throw AppError.notFound('order', id);
  return toOrder(row);
}
