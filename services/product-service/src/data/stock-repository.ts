import { recordEvents, type NewEvent } from '@microshop/chassis';
import type { ReservationState, StockLedgerEntry } from '@microshop/contracts';
import { sql, type Kysely } from 'kysely';
import type { ProductTables, ReservationRow } from './tables.js';

/** Reservations a ledger lists at most when no order ids are given: the most recent ones. */
export const MAX_LEDGER_RESERVATIONS = 10_000;

/** The reservations a ledger read found, and how many there are in all. */
export interface ReservationsPage {
  items: ReservationRow[];
  total: number;
}

/**
 * Every query about stock. Made for the root database (the ledger) or for a transaction (an
 * event handler's, inside the inbox's transaction): the units, the reservation and the event that
 * tells of them then commit together, or not at all.
 */
export interface StockRepository {
  findReservation(orderId: number): Promise<ReservationRow | undefined>;
  /**
   * Takes units off a product's stock in one conditional update (`… WHERE stock >= quantity`):
   * the database decides between concurrent reservations, so stock never goes below zero, on SQLite
   * or PostgreSQL. False when the product has fewer units, does not track stock, or does not exist.
   */
  take(productId: number, quantity: number): Promise<boolean>;
  /** Puts units back into a product's stock. */
  giveBack(productId: number, quantity: number): Promise<void>;
  /** A product's available units: null when it does not track stock, undefined when it does not exist. */
  available(productId: number): Promise<number | null | undefined>;
  insertReservation(reservation: ReservationRow): Promise<void>;
  /**
   * Moves a reservation from one state to another in one conditional update, so two deliveries or
   * two replicas cannot both move it. Returns it moved, or undefined when it was not in `from`.
   */
  moveReservation(orderId: number, from: ReservationState, to: ReservationState, at: string): Promise<ReservationRow | undefined>;
  /** Records events in the outbox, in this repository's transaction. */
  record(events: readonly NewEvent[]): Promise<void>;
  /**
   * Every stocked product's books, in one statement (so they are read at one instant and balance
   * exactly), oldest product first.
   */
  books(): Promise<StockLedgerEntry[]>;
  /** The reservations of these orders, or the most recent {@link MAX_LEDGER_RESERVATIONS}; newest first. */
  reservations(orderIds?: readonly number[]): Promise<ReservationsPage>;
}

const SOURCE = 'product-service';

/** Units of a product's reservations in one state (0 when none), inside the ledger's grouping. */
const unitsIn = (state: ReservationState) => sql<number>`coalesce(sum(case when r.state = ${state} then r.quantity else 0 end), 0)`;

export function createStockRepository(db: Kysely<ProductTables>): StockRepository {
  return {
    findReservation: (orderId) => db.selectFrom('reservations').selectAll().where('order_id', '=', orderId).executeTakeFirst(),
    async take(productId, quantity) {
      const result = await db
        .updateTable('products')
        .set((eb) => ({ stock: eb('stock', '-', quantity) }))
        .where('id', '=', productId)
        .where('stock', '>=', quantity)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async giveBack(productId, quantity) {
      await db
        .updateTable('products')
        .set((eb) => ({ stock: eb('stock', '+', quantity) }))
        .where('id', '=', productId)
        .where('stock', 'is not', null)
        .execute();
    },
    async available(productId) {
      const row = await db.selectFrom('products').select('stock').where('id', '=', productId).executeTakeFirst();
      return row?.stock;
    },
    async insertReservation(reservation) {
      await db.insertInto('reservations').values(reservation).execute();
    },
    moveReservation: (orderId, from, to, at) =>
      db.updateTable('reservations').set({ state: to, updated_at: at }).where('order_id', '=', orderId).where('state', '=', from).returningAll().executeTakeFirst(),
    async record(events) {
      await recordEvents(db, SOURCE, events);
    },
    books: () =>
      db
        .selectFrom('products as p')
        .leftJoin('reservations as r', 'r.product_id', 'p.id')
        .where('p.stock', 'is not', null)
        .groupBy(['p.id', 'p.stock', 'p.stock_received'])
        .orderBy('p.id')
        .select(['p.id as product_id', 'p.stock_received as received', 'p.stock as available', unitsIn('RESERVED').as('reserved'), unitsIn('COMMITTED').as('sold')])
        // Both are non-null here: only products that track stock are read.
        .$narrowType<{ received: number; available: number }>()
        .execute(),
    async reservations(orderIds) {
      const base = orderIds ? db.selectFrom('reservations').where('order_id', 'in', orderIds) : db.selectFrom('reservations');
      const [items, count] = await Promise.all([
        base.selectAll().orderBy('order_id', 'desc').limit(MAX_LEDGER_RESERVATIONS).execute(),
        base.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
      ]);
      return { items, total: Number(count.count) };
    },
  };
}
