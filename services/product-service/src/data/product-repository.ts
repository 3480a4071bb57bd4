import type { Page, PageResult } from '@microshop/chassis';
import type { Kysely } from 'kysely';
import type { NewProductRow, ProductRow, ProductTables } from './tables.js';

/** Every query the Product service runs, over its own tables. */
export interface ProductRepository {
  insert(product: NewProductRow): Promise<ProductRow>;
  findById(id: number): Promise<ProductRow | undefined>;
  findByIds(ids: readonly number[]): Promise<ProductRow[]>;
  list(page: Page): Promise<PageResult<ProductRow>>;
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
  };
}
