import { fromCents, isUniqueViolation, notifyOutbox, recordEvents, type NewEvent, type Page, type PageResult } from '@microshop/chassis';
import type { PaymentStatus, SagaEntry, SagaStepName } from '@microshop/contracts';
import type { Kysely, Transaction } from 'kysely';
import type { NewPaymentRow, PaymentRow, PaymentTables, SagaLogRow } from './tables.js';

/** Thrown by {@link PaymentRepository.insert} when the order already has a live payment. */
export class PaymentExistsError extends Error {}

/** A line for the saga's log, written with the change it describes. */
export type SagaLogEntry = Omit<SagaEntry, 'at'>;

/** What one step of a saga changes on its payment. Absent fields stay as they are. */
export interface SagaChange {
  status?: PaymentStatus;
  /** The next step; null once the payment is final. */
  step?: SagaStepName | null;
  reason?: string | null;
  charge_id?: string | null;
  attempts?: number;
  next_attempt_at?: number;
}

/** Every query the Payment service runs, over its own tables. */
export interface PaymentRepository {
  /** Records a new payment (PENDING, leased to `owner`) and the first line of its log. */
  insert(payment: NewPaymentRow, log: SagaLogEntry): Promise<PaymentRow>;
  findById(id: number): Promise<PaymentRow | undefined>;
  /** The order's payment that is PENDING or COMPLETED, if any (there is at most one). */
  findLiveByOrder(orderId: number): Promise<PaymentRow | undefined>;
  /**
   * Takes the lease of a PENDING payment whose lease is free (expired or released), in one
   * conditional update: of several runners, one gets the row.
   */
  lease(id: number, owner: string, now: number, leaseMs: number): Promise<PaymentRow | undefined>;
  /** Ids of PENDING payments whose step is due and whose lease is free, oldest first. */
  due(now: number, limit: number): Promise<number[]>;
  /**
   * Applies a step's outcome, its log line and the event of a final status (PaymentCompleted,
   * PaymentFailed, PaymentRefunded) in one transaction, only while `owner` holds the lease.
   * Returns the updated row, or undefined when the lease was lost (nothing written).
   */
  advance(id: number, owner: string, change: SagaChange, log: SagaLogEntry, now: number, leaseMs: number): Promise<PaymentRow | undefined>;
  /** Lets go of a lease so another runner may take the saga at once (a clean stop, or an answer sent early). */
  release(id: number, owner: string): Promise<void>;
  /** Frees every lease whose owner starts with `instance` but not with `boot` (an earlier process of this instance); returns how many. */
  releaseEarlierBoots(instance: string, boot: string): Promise<number>;
  /** Marks the live payments of a cancelled order (inside the event's inbox transaction). */
  markOrderCancelled(trx: Transaction<PaymentTables>, orderId: number): Promise<void>;
  list(page: Page): Promise<PageResult<PaymentRow>>;
  /** Every payment of the given orders, newest first, whatever its status. */
  findByOrderIds(orderIds: readonly number[]): Promise<PaymentRow[]>;
  /** The saga log of a payment, oldest first. */
  logOf(paymentId: number): Promise<SagaLogRow[]>;
}

const SOURCE = 'payment-service';

/** The event a payment's final status publishes. */
function statusEvent(row: PaymentRow): NewEvent | undefined {
  const subject = `payment/${row.id}`;
  const ids = { payment_id: row.id, order_id: row.order_id };
  if (row.status === 'COMPLETED') return { type: 'PaymentCompleted', subject, data: { ...ids, amount: fromCents(row.amount_cents) } };
  if (row.status === 'FAILED') return { type: 'PaymentFailed', subject, data: { ...ids, reason: row.reason ?? 'failed' } };
  if (row.status === 'REFUNDED') return { type: 'PaymentRefunded', subject, data: { ...ids, amount: fromCents(row.amount_cents) } };
  return undefined;
}

export function createPaymentRepository(db: Kysely<PaymentTables>): PaymentRepository {
  const writeLog = (trx: Kysely<PaymentTables>, paymentId: number, log: SagaLogEntry, at: string) =>
    trx.insertInto('saga_log').values({ payment_id: paymentId, ...log, at }).execute();

  return {
    async insert(payment, log) {
      try {
        return await db.transaction().execute(async (trx) => {
          const row = await trx.insertInto('payments').values(payment).returningAll().executeTakeFirstOrThrow();
          await writeLog(trx, row.id, log, payment.created_at);
          return row;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw new PaymentExistsError(`order ${payment.order_id}`, { cause: error });
        throw error;
      }
    },
    findById: (id) => db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst(),
    findLiveByOrder: (orderId) =>
      db.selectFrom('payments').selectAll().where('order_id', '=', orderId).where('status', 'in', ['PENDING', 'COMPLETED']).executeTakeFirst(),
    lease: (id, owner, now, leaseMs) =>
      db
        .updateTable('payments')
        .set({ lease_owner: owner, lease_until: now + leaseMs })
        .where('id', '=', id)
        .where('status', '=', 'PENDING')
        .where('lease_until', '<=', now)
        .returningAll()
        .executeTakeFirst(),
    async due(now, limit) {
      const rows = await db
        .selectFrom('payments')
        .select('id')
        .where('status', '=', 'PENDING')
        .where('next_attempt_at', '<=', now)
        .where('lease_until', '<=', now)
        .orderBy('next_attempt_at')
        .limit(limit)
        .execute();
      return rows.map((r) => r.id);
    },
    async advance(id, owner, change, log, now, leaseMs) {
      const at = new Date(now).toISOString();
      const row = await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('payments')
          .set({ ...change, updated_at: at, lease_until: change.status && change.status !== 'PENDING' ? 0 : now + leaseMs })
          .where('id', '=', id)
          .where('lease_owner', '=', owner)
          .where('status', '=', 'PENDING')
          .returningAll()
          .executeTakeFirst();
        if (!updated) return undefined;
        await writeLog(trx, id, log, at);
        const event = statusEvent(updated);
        if (event) await recordEvents(trx, SOURCE, [event], () => now);
        return updated;
      });
      if (row && row.status !== 'PENDING') notifyOutbox(db);
      return row;
    },
    async release(id, owner) {
      await db.updateTable('payments').set({ lease_until: 0, lease_owner: null }).where('id', '=', id).where('lease_owner', '=', owner).execute();
    },
    async releaseEarlierBoots(instance, boot) {
      const result = await db
        .updateTable('payments')
        .set({ lease_until: 0, lease_owner: null })
        .where('status', '=', 'PENDING')
        .where('lease_owner', 'like', `${instance}%`)
        .where('lease_owner', 'not like', `${boot}%`)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async markOrderCancelled(trx, orderId) {
      await trx.updateTable('payments').set({ order_cancelled: 1 }).where('order_id', '=', orderId).where('status', '=', 'PENDING').execute();
    },
    async list({ limit, offset }) {
      const [items, count] = await Promise.all([
        db.selectFrom('payments').selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
      ]);
      return { items, total: Number(count.count) };
    },
    findByOrderIds: (orderIds) => db.selectFrom('payments').selectAll().where('order_id', 'in', orderIds).orderBy('id', 'desc').execute(),
    logOf: (paymentId) => db.selectFrom('saga_log').selectAll().where('payment_id', '=', paymentId).orderBy('id').execute(),
  };
}
