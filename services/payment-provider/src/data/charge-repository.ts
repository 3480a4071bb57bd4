import type { Kysely } from 'kysely';
import type { ChargeRow, NewChargeRow, ProviderTables } from './tables.js';

/** The sums of a set of charges, in cents, by what happened to the money. */
export interface LedgerTotals {
  /** Taken: SUCCEEDED and REFUNDED charges. */
  chargedCents: number;
  /** Given back: REFUNDED charges. */
  refundedCents: number;
}

/** Every query the payment provider runs, over its own table. */
export interface ChargeRepository {
  findByReference(reference: string): Promise<ChargeRow | undefined>;
  /**
   * Writes the row unless its reference already has one, in one statement: of several requests
   * racing with a new reference, exactly one gets `created: true`, the others the winner's row.
   */
  insertOnce(charge: NewChargeRow): Promise<{ row: ChargeRow; created: boolean }>;
  /**
   * Turns the charge of a reference REFUNDED if it is SUCCEEDED, in one conditional update, and
   * answers the row as it then stands: of several refunds racing, one sets `refunded_at`, and every
   * one sees that same row.
   */
  refund(reference: string, at: string): Promise<ChargeRow>;
  /** The newest `limit` charges (of the given orders only, when given) and the totals of all of them, read together. */
  ledger(orderIds: readonly number[] | undefined, limit: number): Promise<{ rows: ChargeRow[]; totals: LedgerTotals }>;
}

export function createChargeRepository(db: Kysely<ProviderTables>): ChargeRepository {
  const findByReference = (reference: string) => db.selectFrom('charges').selectAll().where('reference', '=', reference).executeTakeFirst();
  // Rows are never deleted: a reference that was written can always be read back.
  const mustFind = async (reference: string) => {
    const row = await findByReference(reference);
    if (!row) throw new Error(`charge ${reference} was written but cannot be read`);
    return row;
  };
  return {
    findByReference,
    async insertOnce(charge) {
      const inserted = await db.insertInto('charges').values(charge).onConflict((oc) => oc.column('reference').doNothing()).returningAll().executeTakeFirst();
      if (inserted) return { row: inserted, created: true };
      // The conflicting row is committed by now: PostgreSQL waits for it before doing nothing.
      return { row: await mustFind(charge.reference), created: false };
    },
    async refund(reference, at) {
      const refunded = await db
        .updateTable('charges')
        .set({ status: 'REFUNDED', refunded_at: at })
        .where('reference', '=', reference)
        .where('status', '=', 'SUCCEEDED')
        .returningAll()
        .executeTakeFirst();
      return refunded ?? mustFind(reference);
    },
    ledger: (orderIds, limit) =>
      // One snapshot for both reads, or a charge written between them would be counted in the
      // totals and missing from the list (SQLite reads one snapshot per transaction anyway).
      db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          let rows = trx.selectFrom('charges').selectAll().orderBy('id', 'desc').limit(limit);
          let sums = trx.selectFrom('charges').select((eb) => ['status', eb.fn.sum<number | string>('amount_cents').as('cents')]).groupBy('status');
          if (orderIds) {
            rows = rows.where('order_id', 'in', orderIds);
            sums = sums.where('order_id', 'in', orderIds);
          }
          const found = await rows.execute();
          const byStatus = await sums.execute();
          // sum() of a bigint column is a PostgreSQL numeric, which arrives as a string.
          const cents = (status: ChargeRow['status']) => Number(byStatus.find((s) => s.status === status)?.cents ?? 0);
          return { rows: found, totals: { chargedCents: cents('SUCCEEDED') + cents('REFUNDED'), refundedCents: cents('REFUNDED') } };
        }),
  };
}
