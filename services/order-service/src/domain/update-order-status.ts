import { AppError } from '@microshop/chassis';
import type { Order, OrderStatus } from '@microshop/contracts';
import type { OrderDeps } from './deps.js';
import { toOrder } from './order-view.js';

/** Which statuses an order may move to from each status. PAID and CANCELLED are final. */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['PAID', 'CANCELLED'],
  PAID: [],
  CANCELLED: [],
};

/**
 * Moves an order to a new status when the transition is allowed (PENDING → PAID or CANCELLED).
 * Asking again for the status the order already has succeeds without change, so a caller may
 * retry safely; any other move is 409 and changes nothing.
 */
export async function updateOrderStatus({ orders, now }: Pick<OrderDeps, 'orders' | 'now'>, id: number, to: OrderStatus): Promise<Order> {
  const current = await orders.findById(id);
  if (!current) throw AppError.notFound('order', id);
  if (current.status === to) return toOrder(current);
  if (!TRANSITIONS[current.status].includes(to)) {
    throw AppError.conflict(`Order ${id} is ${current.status}; it cannot become ${to}`, 'status');
  }
  const moved = await orders.transition(id, current.status, to, now().toISOString());
  if (moved) return toOrder(moved);
  // Another request moved it between our read and our write: answer from what it is now.
  return updateOrderStatus({ orders, now }, id, to);
}
