import type { EventHandlers } from '@microshop/chassis';
import type { EventData } from '@microshop/contracts';
import type { Transaction } from 'kysely';
import { createOrderRepository } from '../data/order-repository.js';
import type { OrderTables } from '../data/tables.js';
import { settleStock } from '../domain/settle-stock.js';

/**
 * What the Order service does with the Product service's events (its line in
 * `EVENT_SUBSCRIPTIONS`): it learns whether an order's stock was reserved. Each handler runs inside
 * the transaction that records the event in the inbox, with a repository bound to it, so the
 * change, the events it records (OrderCancelled) and the inbox entry commit together: each event
 * is applied once. The transport has checked `data` against the event's contract, hence the casts.
 */
export function stockEventHandlers(now: () => Date): EventHandlers<OrderTables> {
  const inside = (trx: Transaction<OrderTables>) => ({ orders: createOrderRepository(trx), now });
  return {
    StockReserved: (event, trx) => settleStock(inside(trx), (event.data as EventData<'StockReserved'>).order_id, 'RESERVED'),
    StockRejected: (event, trx) => settleStock(inside(trx), (event.data as EventData<'StockRejected'>).order_id, 'REJECTED'),
  };
}
