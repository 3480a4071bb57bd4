import { AppError, crashPoint, declareTestPoints } from '@microshop/chassis';
import type { CancelReason, Order, OrderStatus } from '@microshop/contracts';
import type { OrderRow } from '../data/tables.js';
import type { OrderDeps } from './deps.js';
import { toOrder } from './order-view.js';

/** Which statuses an order may move to from each status. PAID and CANCELLED are final. */
export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['PAID', 'CANCELLED'],
  PAID: [],
  CANCELLED: [],
};

declareTestPoints('order.status.after_write');

/**
 * An order may be paid once its stock is confirmed: reserved, or not tracked at all. While the
 * Product service has not answered (AWAITING), or has refused (REJECTED), the units may not exist;
 * the Payment saga waits for RESERVED before it charges, and this is the guard behind it.
 */
const stockConfirmed = (order: OrderRow) => order.stock_status === null || order.stock_status === 'RESERVED';

/**
 * Moves an order to a new status when the transition is allowed (PENDING → PAID or CANCELLED).
 * Asking again for the status the order already has succeeds without change, so a caller may
 * retry safely; any other move is 409 and changes nothing. CANCELLED takes a reason (default
 * `cancelled`), stored and carried by OrderCancelled; the first cancellation's reason stays.
 */
export async function updateOrderStatus({ orders, now }: Pick<OrderDeps, 'orders' | 'now'>, id: number, to: OrderStatus, reason?: CancelReason): Promise<Order> {
  if (reason !== undefined && to !== 'CANCELLED') throw AppError.invalid('reason', 'goes only with status CANCELLED');
  const current = await orders.findById(id);
  if (!current) throw AppError.notFound('order', id);
  if (current.status === to) return toOrder(current);
  if (!TRANSITIONS[current.status].includes(to)) {
    throw AppError.conflict(`Order ${id} is ${current.status}; it cannot become ${to}`, 'status');
  }
  if (to === 'PAID' && !stockConfirmed(current)) {
    throw AppError.conflict(`Order ${id} cannot be paid yet: its stock is not confirmed (${current.stock_status})`, 'status');
  }
  const moved = await orders.transition(id, { from: current.status, to, at: now().toISOString(), reason });
  if (moved) {
    // Test hook: dies with the change committed and its answer never sent, as a crash would.
    crashPoint('order.status.after_write');
    return toOrder(moved);
  }
  // Another request moved it between our read and our write: answer from what it is now.
  return updateOrderStatus({ orders, now }, id, to, reason);
}
