import type { EventHandlers } from '@microshop/chassis';
import type { EventData } from '@microshop/contracts';
import type { Transaction } from 'kysely';
import { createStockRepository } from '../data/stock-repository.js';
import type { ProductTables } from '../data/tables.js';
import { commitStock } from '../domain/commit-stock.js';
import type { StockDeps } from '../domain/deps.js';
import { releaseStock } from '../domain/release-stock.js';
import { reserveStock } from '../domain/reserve-stock.js';

/**
 * What the Product service does with the Order service's events (its line in
 * `EVENT_SUBSCRIPTIONS`). Nobody tells Product what to do: it reacts to what happened to orders.
 * Each handler runs inside the transaction that records the event in the inbox, with a stock
 * repository bound to it, so the effect, the events it records and the inbox entry commit together:
 * each event is applied once. The transport has checked `data` against the event's contract
 * before a handler runs, hence the casts.
 */
export function orderEventHandlers(now: () => Date): EventHandlers<ProductTables> {
  const inside = (trx: Transaction<ProductTables>): StockDeps => ({ stock: createStockRepository(trx), now });
  return {
    OrderCreated: (event, trx) => reserveStock(inside(trx), event.data as EventData<'OrderCreated'>),
    OrderCancelled: (event, trx) => releaseStock(inside(trx), event.data as EventData<'OrderCancelled'>),
    OrderPaid: (event, trx) => commitStock(inside(trx), event.data as EventData<'OrderPaid'>),
  };
}
