import { createTableWithId, eventsMigration, hasColumn, type ServiceMigration } from '@microshop/chassis';
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
  /**
   * Stock, for the products that track it (null: unlimited, the spec's products): the units
   * available now and the units ever received, and one reservation per order that holds units.
   * The books balance: received = available + reserved + sold (committed).
   */
  '0002-stock-and-reservations': async (db, dialect) => {
    if (!(await hasColumn(db, dialect, 'products', 'stock'))) {
      await db.schema.alterTable('products').addColumn('stock', 'integer', (c) => c.check(sql`stock >= 0`)).execute();
    }
    if (!(await hasColumn(db, dialect, 'products', 'stock_received'))) {
      // bigint: restocks add up without bound, while `stock` itself is capped at MAX_STOCK.
      await db.schema.alterTable('products').addColumn('stock_received', 'bigint', (c) => c.check(sql`stock_received >= 0`)).execute();
    }
    await db.schema
      .createTable('reservations')
      .ifNotExists()
      // One reservation per order: the primary key is what makes a second one impossible.
      .addColumn('order_id', 'integer', (c) => c.primaryKey())
      .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id'))
      .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity > 0`))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('RESERVED', 'COMMITTED', 'RELEASED')`))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // The ledger sums reserved and sold units per product.
    await db.schema.createIndex('reservations_product_state').ifNotExists().on('reservations').columns(['product_id', 'state']).execute();
  },
  /** The outbox (StockReserved, StockReleased, StockRejected, written with the change) and the inbox of the Order service's events. */
  '0003-outbox-and-inbox': eventsMigration,
};
