import type { EventData } from '@microshop/contracts';
import type { StockDeps } from './deps.js';

/**
 * An order was paid (OrderPaid): the units it holds are sold. Its reservation moves from RESERVED
 * to COMMITTED and can no longer be released; an order without one (a product without tracked
 * stock) changes nothing.
 */
export async function commitStock({ stock, now }: StockDeps, order: EventData<'OrderPaid'>): Promise<void> {
  await stock.moveReservation(order.order_id, 'RESERVED', 'COMMITTED', now().toISOString());
}
