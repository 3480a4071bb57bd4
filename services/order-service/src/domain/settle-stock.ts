import type { StockStatus } from '@microshop/contracts';
import type { OrderDeps } from './deps.js';

/**
 * The Product service answered an order's reservation (StockReserved or StockRejected). The
 * answer is recorded on an order AWAITING it; a rejected order that is still PENDING is cancelled,
 * reason `out_of_stock`, with its OrderCancelled, in the same transaction as the answer (the event
 * handler's). An order already cancelled by then (its buyer was quicker) stays as it is.
 */
export async function settleStock({ orders, now }: Pick<OrderDeps, 'orders' | 'now'>, orderId: number, answer: Exclude<StockStatus, 'AWAITING'>): Promise<void> {
  const at = now().toISOString();
  const settled = await orders.settleStock(orderId, answer, at);
  if (!settled || answer === 'RESERVED' || settled.status !== 'PENDING') return;
  await orders.transition(orderId, { from: 'PENDING', to: 'CANCELLED', at, reason: 'out_of_stock' });
}
