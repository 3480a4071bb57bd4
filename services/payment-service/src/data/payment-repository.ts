import { fromCents, isUniqueViolation, recordEvents, type NewEvent, type Page, type PageResult } from '@microshop/chassis';
import type { PaymentStatus } from '@microshop/contracts';
import type { Kysely } from 'kysely';
import type { NewPaymentRow, PaymentRow, PaymentTables } from './tables.js';

/** Thrown by {@link PaymentRepository.insert} when the order already has a live payment. */
export class PaymentExistsError extends Error {}

/** Every query the Payment service runs, over its own tables. */
export interface PaymentRepository {
  insert(payment: NewPaymentRow): Promise<PaymentRow>;
  /** The order's payment that is PENDING or COMPLETED, if any (there is at most one). */
  findLiveByOrder(orderId: number): Promise<PaymentRow | undefined>;
  setStatus(id: number, status: PaymentStatus, at: string): Promise<PaymentRow>;
  /**
   * Takes over a PENDING payment last touched at `seen`, in one conditional update: of several
   * callers, only one gets the row back.
   */
  reclaim(id: number, seen: string, at: string): Promise<PaymentRow | undefined>;
  list(page: Page): Promise<PageResult<PaymentRow>>;
  /** Every payment of the given orders, newest first, whatever its status. */
  findByOrderIds(orderIds: readonly number[]): Promise<PaymentRow[]>;
}

/** The event a payment's final status publishes: PaymentCompleted or PaymentFailed. */
function statusEvent(row: PaymentRow): NewEvent | undefined {
  const subject = `payment/${row.id}`;
  if (row.status === 'COMPLETED') return { type: 'PaymentCompleted', subject, data: { payment_id: row.id, order_id: row.order_id, amount: fromCents(row.amount_cents) } };
  if (row.status === 'FAILED') return { type: 'PaymentFailed', subject, data: { payment_id: row.id, order_id: row.order_id, reason: 'the order could not be set PAID' } };
  return undefined;
}

export function createPaymentRepository(db: Kysely<PaymentTables>): PaymentRepository {
  return {
    async insert(payment) {
      try {
        return await db.insertInto('payments').values(payment).returningAll().executeTakeFirstOrThrow();
      } catch (error) {
        if (isUniqueViolation(error)) throw new PaymentExistsError(`order ${payment.order_id}`, { cause: error });
        throw error;
      }
    },
    findLiveByOrder: (orderId) =>
      db.selectFrom('payments').selectAll().where('order_id', '=', orderId).where('status', '<>', 'FAILED').executeTakeFirst(),
    setStatus: (id, status, at) =>
      // The new status and the event that tells it are written together: the event exists iff the change does.
      db.transaction().execute(async (trx) => {
        const row = await trx.updateTable('payments').set({ status, updated_at: at }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
        const event = statusEvent(row);
        if (event) await recordEvents(trx, 'payment-service', [event]);
        return row;
      }),
    reclaim: (id, seen, at) =>
      db
        .updateTable('payments')
        .set({ updated_at: at })
        .where('id', '=', id)
        .where('status', '=', 'PENDING')
        .where('updated_at', '=', seen)
        .returningAll()
        .executeTakeFirst(),
    async list({ limit, offset }) {
      const [items, count] = await Promise.all([
        db.selectFrom('payments').selectAll().orderBy('id', 'desc').limit(limit).offset(offset).execute(),
        db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
      ]);
      return { items, total: Number(count.count) };
    },
    findByOrderIds: (orderIds) =>
      db.selectFrom('payments').selectAll().where('order_id', 'in', orderIds).orderBy('id', 'desc').execute(),
  };
}
