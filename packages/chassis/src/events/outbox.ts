import { randomUUID } from 'node:crypto';
import type { EventEnvelope, EventType } from '@microshop/contracts';
import type { Kysely, Transaction } from 'kysely';
import type { EventTables } from './tables.js';

/** An event to record: its type, version, subject and data. The id and time are given here. */
export interface NewEvent {
  type: EventType;
  version?: number;
  subject: string;
  data: unknown;
}

/**
 * Records events in the outbox, inside the caller's transaction: they exist if and only if the
 * state change they describe was committed. The relay publishes them afterwards.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   const order = await insertOrder(trx, …)
 *   await recordEvents(trx, 'order-service', [{ type: 'OrderCreated', subject: `order/${order.id}`, data: {…} }])
 * })
 */
export async function recordEvents<DB extends EventTables>(trx: Transaction<DB> | Kysely<DB>, source: string, events: readonly NewEvent[], now: () => number = Date.now): Promise<EventEnvelope[]> {
  const db = trx as unknown as Kysely<EventTables>;
  const at = now();
  const envelopes = events.map(
    (event): EventEnvelope => ({ id: randomUUID(), type: event.type, version: event.version ?? 1, source, subject: event.subject, occurred_at: new Date(at).toISOString(), data: event.data }),
  );
  if (envelopes.length === 0) return envelopes;
  await db
    .insertInto('outbox')
    .values(
      envelopes.map((envelope) => ({
        event_id: envelope.id,
        type: envelope.type,
        version: envelope.version,
        subject: envelope.subject,
        envelope: JSON.stringify(envelope),
        created_at: at,
        state: 'pending' as const,
        attempts: 0,
        next_attempt_at: at,
        published_at: null,
        last_error: null,
      })),
    )
    .execute();
  return envelopes;
}
