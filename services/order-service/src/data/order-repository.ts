import type { Page, PageResult } from '@microshop/chassis';
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

export function createOrderRepository(db: Kysely<OrderTables>): OrderRepository {
  return {
    insert: (order) => db.insertInto('orders').values(order).returningAll().executeTakeFirstOrThrow(),
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
      db
        .updateTable('orders')
        .set({ status: to, updated_at: at })
        .where('id', '=', id)
        .where('status', '=', from)
        .returningAll()
        .executeTakeFirst(),
  };
}
