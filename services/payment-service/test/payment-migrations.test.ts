import { migrateToLatest } from '@microshop/chassis';
import { createTestDatabase, DIALECTS } from '@microshop/testkit';
import type { Kysely } from 'kysely';
import { describe, expect, test } from 'vitest';
import { migrations } from '../src/data/migrations.js';
import type { PaymentTables } from '../src/data/tables.js';

/** The `payments` table as it was before the saga (migrations 0001 to 0003). */
interface PaymentsBeforeSaga {
  payments: { id?: number; order_id: number; amount_cents: number; status: 'PENDING' | 'COMPLETED' | 'FAILED'; created_at: string; updated_at: string };
}

const BEFORE_SAGA = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0004'));
const AT = '2024-05-01T10:00:00.000Z';

describe.each(DIALECTS)('Payment migrations on %s', (dialect) => {
  test('When a database made before the saga (0003) is migrated, then its payments keep their ids and amounts, a PENDING one resumes at confirm, and REFUNDED is accepted', async () => {
    const testDb = await createTestDatabase<PaymentsBeforeSaga>(dialect, BEFORE_SAGA);
    try {
      const old = testDb.database.db;
      const rows = [
        { order_id: 1, amount_cents: 1000, status: 'FAILED' as const },
        { order_id: 1, amount_cents: 1000, status: 'COMPLETED' as const },
        { order_id: 2, amount_cents: 299997, status: 'PENDING' as const },
      ];
      const before = [];
      for (const row of rows) before.push(await old.insertInto('payments').values({ ...row, created_at: AT, updated_at: AT }).returningAll().executeTakeFirstOrThrow());

      await migrateToLatest(testDb.database, migrations);

      const db = old as unknown as Kysely<PaymentTables>;
      const after = await db.selectFrom('payments').selectAll().orderBy('id').execute();
      const saga = { reason: null, charge_id: null, attempts: 0, next_attempt_at: 0, lease_until: 0, lease_owner: null, order_cancelled: 0 };
      expect(after).toEqual([
        { ...before[0], ...saga, step: null },
        { ...before[1], ...saga, step: null },
        // Left PENDING by the old flow (the order's status update unanswered): its saga finishes that update.
        { ...before[2], ...saga, step: 'confirm' },
      ]);

      const refunded = await db
        .insertInto('payments')
        .values({ order_id: 3, amount_cents: 500, status: 'REFUNDED', created_at: AT, updated_at: AT, step: null, reason: 'order cancelled', charge_id: 'ch_9', attempts: 0, next_attempt_at: 0, lease_until: 0, lease_owner: null, order_cancelled: 0 })
        .returningAll()
        .executeTakeFirstOrThrow();
      expect(refunded.id).toBe((before[2]?.id ?? 0) + 1);
      expect(refunded.status).toBe('REFUNDED');

      // The rules still hold: a known status only, and one live (PENDING or COMPLETED) payment per order.
      const values = { amount_cents: 100, created_at: AT, updated_at: AT, step: null, reason: null, charge_id: null, attempts: 0, next_attempt_at: 0, lease_until: 0, lease_owner: null, order_cancelled: 0 };
      await expect(db.insertInto('payments').values({ ...values, order_id: 4, status: 'UNKNOWN' as 'FAILED' }).execute()).rejects.toThrow();
      await expect(db.insertInto('payments').values({ ...values, order_id: 1, status: 'PENDING' }).execute()).rejects.toThrow();
      await db.insertInto('payments').values({ ...values, order_id: 3, status: 'PENDING' }).execute();
      await expect(db.selectFrom('saga_log').selectAll().execute()).resolves.toEqual([]);
    } finally {
      await testDb.drop();
    }
  });
});
