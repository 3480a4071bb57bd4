import type { EventData } from '@microshop/contracts';
import type { StockDeps } from './deps.js';

/**
 * An order was cancelled (OrderCancelled: by its buyer, for want of stock, by its expiry or by the
 * payment saga): the units it holds go back to the stock (StockReleased). Only a RESERVED
 * reservation gives units back, and moving it is conditional, so they go back once. An order with
 * no reservation (rejected, or a product without tracked stock) has nothing to give back.
 */
export async function releaseStock({ stock, now }: StockDeps, order: EventData<'OrderCancelled'>): Promise<void> {
  const released = await stock.moveReservation(order.order_id, 'RESERVED', 'RELEASED', now().toISOString());
  if (!released) return;
  await stock.giveBack(released.product_id, released.quantity);
  await stock.record([
    { type: 'StockReleased', subject: `order/${order.order_id}`, data: { order_id: released.order_id, product_id: released.product_id, quantity: released.quantity } },
  ]);
}
