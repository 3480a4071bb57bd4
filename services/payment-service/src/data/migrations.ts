import { createTableWithId, eventsMigration, idempotencyMigration, type ServiceMigration } from '@microshop/chassis';
import { sql } from 'kysely';

/** The Payment service's schema, one step per entry, applied in name order. */
export const migrations: Record<string, ServiceMigration> = {
  '0001-create-payments': async (db, dialect) => {
    await createTableWithId(db, 'payments', dialect)
      .addColumn('order_id', 'integer', (c) => c.notNull())
      .addColumn('amount_cents', 'bigint', (c) => c.notNull().check(sql`amount_cents > 0`))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('PENDING', 'COMPLETED', 'FAILED')`))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // At most one payment per order that is not FAILED: a second payment can never be recorded,
    // however many requests race for it.
    await db.schema
      .createIndex('payments_one_live_per_order')
      .ifNotExists()
      .on('payments')
      .column('order_id')
      .unique()
      .where(sql.ref('status'), '<>', 'FAILED')
      .execute();
  },
  /** The answers to `POST /api/payments` with an `Idempotency-Key`, replayed to retries. */
  '0002-idempotency-keys': idempotencyMigration,
  /** The outbox (PaymentCompleted, PaymentFailed, written with the change) and the inbox. */
  '0003-outbox-and-inbox': eventsMigration,
};
