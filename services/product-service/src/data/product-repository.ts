import type { Page, PageResult } from '@microshop/chassis';
import type { Kysely } from 'kysely';
import type { NewProductRow, ProductRow, ProductTables } from './tables.js';

/** Every query the Product service runs over its catalogue. */
export interface ProductRepository {
  insert(product: NewProductRow): Promise<ProductRow>;
  findById(id: number): Promise<ProductRow | undefined>;
  findByIds(ids: readonly number[]): Promise<ProductRow[]>;
  list(page: Page): Promise<PageResult<ProductRow>>;
  /**
   * Adds units to a product's stock and to the units it ever received, in one statement, so the
   * books stay balanced whatever runs at the same time. Only for a product that tracks stock and
   * whose stock stays at most `max`; undefined otherwise (unknown, untracked, or too many).
   */
  restock(id: number, quantity: number, max: number): Promise<ProductRow | undefined>;
}

export function createProductRepository(db: Kysely<ProductTables>): ProductRepository {
  return {
    insert: (product) => db.insertInto('products').values(product).returningAll().executeTakeFirstOrThrow(),
    findById: (id) => db.selectFrom('products').selectAll().where('id', '=', id).executeTakeFirst(),
    findByIds: (ids) => db.selectFrom('products').selectAll().where('id', 'in', ids).orderBy('id', 'desc').execute(),
    async list({ limit, offset }) {
      const [items, count] = await Promise.all([
        db.selectFrom('products').selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
      ]);
      return { items, total: Number(count.count) };
    },
    restock: (id, quantity, max) =>
      db
        .updateTable('products')
        .set((eb) => ({ stock: eb('stock', '+', quantity), stock_received: eb('stock_received', '+', quantity) }))
        .where('id', '=', id)
        .where('stock', 'is not', null)
        .where('stock', '<=', max - quantity)
        .returningAll()
        .executeTakeFirst(),
  };
}
