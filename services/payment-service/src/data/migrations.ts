import { createTableWithId, eventsMigration, idempotencyMigration, type ServiceMigration } from '@microshop/chassis';
import { sql } from 'kysely';

/** The statuses a payment may have since the saga (0004): REFUNDED joins them. */
const STATUSES_0004 = sql`status in ('PENDING', 'COMPLETED', 'FAILED', 'REFUNDED')`;

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
  /**
   * The payment saga: its state on each payment (step, attempts, backoff, lease), REFUNDED as a
   * status, and its log. SQLite cannot change a CHECK constraint in place, so there the table is
   * rebuilt (the procedure SQLite documents: new table, copy, drop, rename); PostgreSQL alters it.
   */
  '0004-payment-saga': async (db, dialect) => {
    const sagaColumns = (table: string) =>
      db.schema
        .alterTable(table)
        .addColumn('step', 'text')
        .execute()
        .then(() => db.schema.alterTable(table).addColumn('reason', 'text').execute())
        .then(() => db.schema.alterTable(table).addColumn('charge_id', 'text').execute())
        .then(() => db.schema.alterTable(table).addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute())
        .then(() => db.schema.alterTable(table).addColumn('next_attempt_at', 'bigint', (c) => c.notNull().defaultTo(0)).execute())
        .then(() => db.schema.alterTable(table).addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0)).execute())
        .then(() => db.schema.alterTable(table).addColumn('lease_owner', 'text').execute())
        .then(() => db.schema.alterTable(table).addColumn('order_cancelled', 'integer', (c) => c.notNull().defaultTo(0)).execute());

    if (dialect === 'sqlite') {
      await db.schema.dropIndex('payments_one_live_per_order').ifExists().execute();
      await createTableWithId(db, 'payments_0004', dialect)
        .addColumn('order_id', 'integer', (c) => c.notNull())
        .addColumn('amount_cents', 'bigint', (c) => c.notNull().check(sql`amount_cents > 0`))
        .addColumn('status', 'text', (c) => c.notNull().check(STATUSES_0004))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await sagaColumns('payments_0004');
      await sql`insert into payments_0004 (id, order_id, amount_cents, status, created_at, updated_at) select id, order_id, amount_cents, status, created_at, updated_at from payments`.execute(db);
      await db.schema.dropTable('payments').execute();
      await db.schema.alterTable('payments_0004').renameTo('payments').execute();
    } else {
      await db.schema.dropIndex('payments_one_live_per_order').ifExists().execute();
      await sql`alter table payments drop constraint if exists payments_status_check`.execute(db);
      await sql`alter table payments add constraint payments_status_check check (${STATUSES_0004})`.execute(db);
      await sagaColumns('payments');
    }
    // A payment the old flow left PENDING had claimed its order and sent (or was sending) it PAID, with
    // nothing charged: its saga resumes at confirm, which finishes that, or compensates if it cannot.
    // Left without a step, no runner could ever finish it, and its order could never be paid.
    await sql`update payments set step = 'confirm' where status = 'PENDING'`.execute(db);
    // One live payment (running or COMPLETED) per order; FAILED and REFUNDED ones do not count.
    await sql`create unique index if not exists payments_one_live_per_order on payments (order_id) where status in ('PENDING', 'COMPLETED')`.execute(db);
    // The saga runner's query: PENDING payments whose step is due.
    await db.schema.createIndex('payments_due').ifNotExists().on('payments').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('payments_order_id').ifNotExists().on('payments').column('order_id').execute();

    await createTableWithId(db, 'saga_log', dialect)
      .addColumn('payment_id', 'integer', (c) => c.notNull())
      .addColumn('step', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('trace_id', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('saga_log_payment').ifNotExists().on('saga_log').column('payment_id').execute();
  },
};
