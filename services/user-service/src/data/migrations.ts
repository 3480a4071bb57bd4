import { createTableWithId, type ServiceMigration } from '@microshop/chassis';

/** The User service's schema, one step per entry, applied in name order. */
export const migrations: Record<string, ServiceMigration> = {
  '0001-create-users': async (db, dialect) => {
    await createTableWithId(db, 'users', dialect)
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
