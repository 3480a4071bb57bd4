import type { EventData } from '@microshop/contracts';
import type { StockDeps } from './deps.js';

/**
 * A new order asks for units (OrderCreated). For a product that tracks stock, they are taken off
 * the stock in one conditional update, never below zero however many orders race, and held in a
 * reservation (StockReserved); when too few are left, nothing is taken and the Order service is
 * told (StockRejected, with what is available), so it cancels the order. A product without
 * tracked stock, or unknown here, needs no reservation: nothing happens.
 *
 * An order has at most one reservation: if one exists already, the order was answered before
 * (the inbox normally stops a second delivery first; this also covers the same order sent twice
 * under two event ids).
 */
export async function reserveStock({ stock, now }: StockDeps, order: EventData<'OrderCreated'>): Promise<void> {
  if (await stock.findReservation(order.order_id)) return;
  const subject = `order/${order.order_id}`;
  const units = { order_id: order.order_id, product_id: order.product_id, quantity: order.quantity };

  if (await stock.take(order.product_id, order.quantity)) {
    const at = now().toISOString();
    await stock.insertReservation({ ...units, state: 'RESERVED', created_at: at, updated_at: at });
    await stock.record([{ type: 'StockReserved', subject, data: units }]);
    return;
  }
  const available = await stock.available(order.product_id);
  if (available === null || available === undefined) return;
  await stock.record([{ type: 'StockRejected', subject, data: { ...units, available } }]);
}
