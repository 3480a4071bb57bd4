import { createTableWithId, eventsMigration, hasColumn, idempotencyMigration, type ServiceMigration } from '@microshop/chassis';
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
  /**
   * Stock: where an order's reservation stands, when an unpaid order holding stock expires, and why
   * an order was cancelled. All null for the spec's orders. `cancel_reason` has no check: the
   * reasons grow with the sagas (contracts' CancelReason), and SQLite cannot change a check later.
   */
  '0004-order-stock': async (db, dialect) => {
    if (!(await hasColumn(db, dialect, 'orders', 'stock_status'))) {
      await db.schema.alterTable('orders').addColumn('stock_status', 'text', (c) => c.check(sql`stock_status in ('AWAITING', 'RESERVED', 'REJECTED')`)).execute();
    }
    if (!(await hasColumn(db, dialect, 'orders', 'expires_at'))) await db.schema.alterTable('orders').addColumn('expires_at', 'text').execute();
    if (!(await hasColumn(db, dialect, 'orders', 'cancel_reason'))) await db.schema.alterTable('orders').addColumn('cancel_reason', 'text').execute();
    // The sweeper's question, "which PENDING orders have expired?", reads only the orders that can expire.
    await db.schema.createIndex('orders_pending_expiry').ifNotExists().on('orders').column('expires_at').where(sql.ref('status'), '=', 'PENDING').execute();
  },
};
