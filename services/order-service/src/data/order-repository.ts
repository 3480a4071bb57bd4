import { fromCents, notifyOutbox, recordEvents, type NewEvent, type Page, type PageResult } from '@microshop/chassis';
import type { CancelReason, OrderStatus, StockStatus } from '@microshop/contracts';
import type { Kysely } from 'kysely';
import type { NewOrderRow, OrderRow, OrderTables } from './tables.js';

/** A change of an order's status. */
export interface StatusChange {
  from: OrderStatus;
  to: OrderStatus;
  at: string;
  /** Why, for CANCELLED (default `cancelled`): stored with the order and carried by its OrderCancelled. */
  reason?: CancelReason | undefined;
}

/** Every query the Order service runs, over its own tables. */
export interface OrderRepository {
  insert(order: NewOrderRow): Promise<OrderRow>;
  findById(id: number): Promise<OrderRow | undefined>;
  /** A page of orders, newest first; only one user's when `userId` is given. */
  list(page: Page, filter?: { userId?: number | undefined }): Promise<PageResult<OrderRow>>;
  /**
   * Moves an order from one status to another in one conditional update, so two concurrent
   * transitions cannot both win, and records its event with it. Returns the updated row, or
   * undefined when the order was not in `from` (or, for PAID, its stock is not confirmed).
   */
  transition(id: number, change: StatusChange): Promise<OrderRow | undefined>;
  /**
   * Records the Product service's answer about an order's stock: AWAITING → RESERVED or REJECTED,
   * conditional like a transition. Returns the updated row, or undefined when it was not AWAITING.
   */
  settleStock(id: number, to: Exclude<StockStatus, 'AWAITING'>, at: string): Promise<OrderRow | undefined>;
  /** PENDING orders whose `expires_at` is at or before `at`, soonest expired first, at most `limit`. */
  findExpired(at: string, limit: number): Promise<OrderRow[]>;
}

const SOURCE = 'order-service';

/** The event a status change publishes: OrderPaid or OrderCancelled (with its reason). */
function statusEvent(row: OrderRow): NewEvent | undefined {
  const subject = `order/${row.id}`;
  if (row.status === 'PAID') return { type: 'OrderPaid', subject, data: { order_id: row.id, total: fromCents(row.total_cents) } };
  if (row.status === 'CANCELLED') return { type: 'OrderCancelled', subject, data: { order_id: row.id, reason: row.cancel_reason ?? 'cancelled' } };
  return undefined;
}

/**
 * Every query the Order service runs. A change of state and the event that tells it (OrderCreated,
 * OrderPaid, OrderCancelled) are written in one transaction: the event exists iff the change does.
 *
 * Made for the root database, each write runs in a transaction of its own and wakes the relay once
 * committed. Made for a transaction (an event handler's, see `subscribers/`), the writes join it:
 * the change, its events and the inbox entry of the event being handled commit together.
 */
export function createOrderRepository(db: Kysely<OrderTables>): OrderRepository {
  const writing = async <T>(work: (trx: Kysely<OrderTables>) => Promise<T>): Promise<T> => {
    if (db.isTransaction) return work(db);
    const result = await db.transaction().execute(work);
    notifyOutbox(db);
    return result;
  };

  return {
    insert: (order) =>
      writing(async (trx) => {
        const row = await trx.insertInto('orders').values(order).returningAll().executeTakeFirstOrThrow();
        const data = { order_id: row.id, user_id: row.user_id, product_id: row.product_id, quantity: row.quantity, total: fromCents(row.total_cents) };
        await recordEvents(trx, SOURCE, [{ type: 'OrderCreated', subject: `order/${row.id}`, data }]);
        return row;
      }),
    findById: (id) => db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst(),
    async list({ limit, offset }, { userId } = {}) {
      const base = userId === undefined ? db.selectFrom('orders') : db.selectFrom('orders').where('user_id', '=', userId);
      const [items, count] = await Promise.all([
        base.selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
      ]);
      return { items, total: Number(count.count) };
    },
    transition: (id, { from, to, at, reason }) =>
      writing(async (trx) => {
        let update = trx
          .updateTable('orders')
          .set({ status: to, updated_at: at, ...(to === 'CANCELLED' ? { cancel_reason: reason ?? 'cancelled' } : {}) })
          .where('id', '=', id)
          .where('status', '=', from);
        // Paid only with its stock reserved (or not tracked), decided in the same statement: a
        // rejection that lands between the caller's check and this write cannot be overtaken.
        if (to === 'PAID') update = update.where((eb) => eb.or([eb('stock_status', 'is', null), eb('stock_status', '=', 'RESERVED')]));
        const row = await update.returningAll().executeTakeFirst();
        const event = row && statusEvent(row);
        if (event) await recordEvents(trx, SOURCE, [event]);
        return row;
      }),
    settleStock: (id, to, at) =>
      db.updateTable('orders').set({ stock_status: to, updated_at: at }).where('id', '=', id).where('stock_status', '=', 'AWAITING').returningAll().executeTakeFirst(),
    findExpired: (at, limit) =>
      db.selectFrom('orders').selectAll().where('status', '=', 'PENDING').where('expires_at', '<=', at).orderBy('expires_at').limit(limit).execute(),
  };
}
