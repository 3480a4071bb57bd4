import { createTableWithId, eventsMigration, idempotencyMigration, type ServiceMigration } from '@microshop/chassis';
import { sql } from 'kysely';

/** The Order service's schema, one step per entry, applied in name order. */
export const migrations: Record<string, ServiceMigration> = {
  '0001-create-orders': async (db, dialect) => {
    await createTableWithId(db, 'orders', dialect)
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('product_id', 'integer', (c) => c.notNull())
      .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
      .addColumn('total_cents', 'bigint', (c) => c.notNull().check(sql`total_cents > 0`))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('PENDING', 'PAID', 'CANCELLED')`))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('orders_user_id').ifNotExists().on('orders').column('user_id').execute();
  },
  /** The answers to `POST /api/orders` with an `Idempotency-Key`, replayed to retries. */
  '0002-idempotency-keys': idempotencyMigration,
  /** The outbox (OrderCreated, OrderPaid, OrderCancelled, written with the change) and the inbox. */
  '0003-outbox-and-inbox': eventsMigration,
};
