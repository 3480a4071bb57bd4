import { fromCents, recordEvents, type NewEvent, type Page, type PageResult } from '@microshop/chassis';
import type { OrderStatus } from '@microshop/contracts';
import type { Kysely } from 'kysely';
import type { NewOrderRow, OrderRow, OrderTables } from './tables.js';

/** Every query the Order service runs, over its own tables. */
export interface OrderRepository {
  insert(order: NewOrderRow): Promise<OrderRow>;
  findById(id: number): Promise<OrderRow | undefined>;
  /** A page of orders, newest first; only one user's when `userId` is given. */
  list(page: Page, filter?: { userId?: number | undefined }): Promise<PageResult<OrderRow>>;
  /**
   * Moves an order from one status to another in one conditional update, so two concurrent
   * transitions cannot both win. Returns the updated row, or undefined when the order was not in `from`.
   */
  transition(id: number, from: OrderStatus, to: OrderStatus, at: string): Promise<OrderRow | undefined>;
}

const SOURCE = 'order-service';

/** The event a status change publishes: OrderPaid or OrderCancelled. */
function statusEvent(row: OrderRow): NewEvent | undefined {
  const subject = `order/${row.id}`;
  if (row.status === 'PAID') return { type: 'OrderPaid', subject, data: { order_id: row.id, total: fromCents(row.total_cents) } };
  if (row.status === 'CANCELLED') return { type: 'OrderCancelled', subject, data: { order_id: row.id, reason: 'cancelled' } };
  return undefined;
}

/**
 * Every query the Order service runs. A change of state and the event that tells it (OrderCreated,
 * OrderPaid, OrderCancelled) are written in one transaction: the event exists iff the change does.
 */
export function createOrderRepository(db: Kysely<OrderTables>): OrderRepository {
  return {
    insert: (order) =>
      db.transaction().execute(async (trx) => {
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
    transition: (id, from, to, at) =>
      db.transaction().execute(async (trx) => {
        const row = await trx.updateTable('orders').set({ status: to, updated_at: at }).where('id', '=', id).where('status', '=', from).returningAll().executeTakeFirst();
        const event = row && statusEvent(row);
        if (event) await recordEvents(trx, SOURCE, [event]);
        return row;
      }),
  };
}
