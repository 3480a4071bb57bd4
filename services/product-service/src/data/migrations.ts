import { createTableWithId, type ServiceMigration } from '@microshop/chassis';
import { sql } from 'kysely';

/** The Product service's schema, one step per entry, applied in name order. */
export const migrations: Record<string, ServiceMigration> = {
  '0001-create-products': async (db, dialect) => {
    await createTableWithId(db, 'products', dialect)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('price_cents', 'bigint', (c) => c.notNull().check(sql`price_cents > 0`))
      .addColumn('description', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
