import { createTableWithId, type ServiceMigration } from '@microshop/chassis';
import { MAX_REFERENCE_LENGTH } from '@microshop/contracts';
import { sql } from 'kysely';

/** The payment provider's schema, one step per entry, applied in name order. */
export const migrations: Record<string, ServiceMigration> = {
  '0001-create-charges': async (db, dialect) => {
    await createTableWithId(db, 'charges', dialect)
      // Unique: however many requests race with one reference, only one row can be written for it.
      .addColumn('reference', `varchar(${MAX_REFERENCE_LENGTH})`, (c) => c.notNull().unique())
      .addColumn('order_id', 'integer', (c) => c.notNull())
      .addColumn('amount_cents', 'bigint', (c) => c.notNull().check(sql`amount_cents > 0`))
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('SUCCEEDED', 'DECLINED', 'REFUNDED', 'VOIDED')`))
      .addColumn('decline_code', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('refunded_at', 'text')
      .execute();
    // The ledger of some orders (`GET /v1/ledger?order_id=`) is how the shop's checker audits it.
    await db.schema.createIndex('charges_by_order').ifNotExists().on('charges').column('order_id').execute();
  },
};
