import type { EventEnvelope } from '@microshop/contracts';
import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation } from '../database.js';
import { notifyOutbox } from './relay.js';
import type { EventTables } from './tables.js';

/** Deliveries dropped as duplicates since this process started, per database (shown on the events page). */
const duplicateCounts = new WeakMap<object, number>();
export const duplicatesDropped = (db: object): number => duplicateCounts.get(db) ?? 0;

class AlreadyApplied extends Error {}

/**
 * Applies an event at most once: the event id goes into the inbox in the same transaction as the
 * effect, so a redelivered event (the relay publishes at least once) finds its id there and
 * changes nothing. Resolves `applied` or `duplicate`; an error in `apply` rolls both back, and the
 * event can be delivered again. Events the effect records (`recordEvents` on `trx`) are handed to
 * the relay as soon as the transaction commits.
 */
export async function applyOnce<DB extends EventTables>(database: Kysely<DB>, event: EventEnvelope, apply: (trx: Transaction<DB>) => Promise<void>, now: () => number = Date.now): Promise<'applied' | 'duplicate'> {
  try {
    await database.transaction().execute(async (trx) => {
      const inbox = trx as unknown as Transaction<EventTables>;
      try {
        await inbox.insertInto('inbox').values({ event_id: event.id, type: event.type, applied_at: now() }).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new AlreadyApplied();
        throw error;
      }
      await apply(trx);
    });
    notifyOutbox(database);
    return 'applied';
  } catch (error) {
    if (error instanceof AlreadyApplied) {
      duplicateCounts.set(database, duplicatesDropped(database) + 1);
      return 'duplicate';
    }
    throw error;
  }
}
