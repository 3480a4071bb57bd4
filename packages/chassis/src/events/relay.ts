import { AsyncResource } from 'node:async_hooks';
import type { EventEnvelope } from '@microshop/contracts';
import type { Kysely } from 'kysely';
import { crashPoint, declareTestPoints } from '../test-hooks.js';
import type { EventTables } from './tables.js';
import type { EventPublisher } from './transport.js';

export interface RelayOptions<DB extends EventTables> {
  db: Kysely<DB>;
  publisher: EventPublisher;
  /** Pause between passes when the outbox is empty. */
  pollMs?: number;
  /** Events read per pass. */
  batchSize?: number;
  /** Attempts before an event becomes a dead letter (state `dead`, kept for a person to retry). */
  maxAttempts?: number;
  /** The wait after the first failure; doubled after each, up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
  onError?: (event: EventEnvelope, error: unknown, dead: boolean) => void;
}

/** What is waiting in the outbox. */
export interface OutboxBacklog {
  pending: number;
  dead: number;
  /** Age of the oldest pending event, in ms; 0 when none. */
  oldest_pending_ms: number;
}

/** Publishes what the outbox holds, at least once. */
export interface OutboxRelay {
  /** One pass: publishes the due events; resolves with how many were published. */
  pass(): Promise<number>;
  /** Passes in the background until `stop`. */
  start(): void;
  /** Asks for a pass now rather than at the next poll (called once a transaction that recorded events has committed). */
  wake(): void;
  stop(): Promise<void>;
  backlog(): Promise<OutboxBacklog>;
  /** Makes a dead letter pending again (by its event id), to be tried at once. False when there is no such dead letter. */
  retry(eventId: string): Promise<boolean>;
}

/**
 * The outbox relay: reads pending events in the order they were recorded, hands each to the
 * publisher and marks it published. A crash between the two publishes it again on the next pass:
 * delivery is at least once, and consumers apply each event id once (see `applyOnce`). A failure
 * is retried with exponential backoff; after `maxAttempts` the event is a dead letter (parked: the
 * later events of its subject go on). Events of one subject are published in order: while one waits
 * for its retry, the later events of that subject wait too.
 */
/** The wake-ups of the relays of each database: `notifyOutbox(db)` after a commit reaches them. */
const wakers = new WeakMap<object, Set<() => void>>();

/**
 * Tells the relays of `db` that events were just committed, so they publish them now instead of at
 * their next poll (which stays the fallback: a missed call only costs latency). Call it after the
 * transaction that called `recordEvents` has committed.
 */
export function notifyOutbox(db: object): void {
  for (const wake of wakers.get(db) ?? []) wake();
}

declareTestPoints('relay.after_publish');

export function createOutboxRelay<DB extends EventTables>({
  db: database,
  publisher,
  pollMs = 200,
  batchSize = 50,
  maxAttempts = 30,
  baseBackoffMs = 200,
  maxBackoffMs = 5000,
  now = Date.now,
  onError,
}: RelayOptions<DB>): OutboxRelay {
  const db = database as unknown as Kysely<EventTables>;
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<number> | undefined;
  let wokenDuringPass = false;

  const pass = async (): Promise<number> => {
    const at = now();
    // Every pending event in order, due or not: one that waits for its retry holds back the later
    // events of its subject.
    const pending = await db.selectFrom('outbox').selectAll().where('state', '=', 'pending').orderBy('id').limit(batchSize).execute();
    const blocked = new Set<string>();
    let published = 0;
    for (const row of pending) {
      if (blocked.has(row.subject)) continue;
      if (Number(row.next_attempt_at) > at) {
        blocked.add(row.subject);
        continue;
      }
      const event = JSON.parse(row.envelope) as EventEnvelope;
      try {
        await publisher.publish(event);
        // Test hook: dies with the event published and not yet marked, so the next pass publishes it again.
        crashPoint('relay.after_publish');
        await db.updateTable('outbox').set({ state: 'published', published_at: now(), last_error: null }).where('id', '=', row.id).execute();
        published++;
      } catch (error) {
        blocked.add(row.subject);
        const attempts = Number(row.attempts) + 1;
        const dead = attempts >= maxAttempts;
        const wait = Math.min(maxBackoffMs, baseBackoffMs * 2 ** (attempts - 1));
        await db
          .updateTable('outbox')
          .set({ attempts, state: dead ? 'dead' : 'pending', next_attempt_at: now() + wait, last_error: (error instanceof Error ? error.message : String(error)).slice(0, 500) })
          .where('id', '=', row.id)
          .execute();
        onError?.(event, error, dead);
      }
    }
    return published;
  };

  const loop = async () => {
    if (!running) return;
    clearTimeout(timer);
    wokenDuringPass = false;
    let published = 0;
    try {
      current = pass();
      published = await current;
    } catch {
      // The database is unreachable for a moment: the next pass tries again.
    } finally {
      current = undefined;
    }
    // A full batch, or a wake-up during the pass, means more may be waiting: go again at once.
    if (running) timer = setTimeout(() => void loop(), published >= batchSize || wokenDuringPass ? 0 : pollMs);
  };

  // The relay's passes run in the context the relay was created in (the app's setup), never in
  // the context of the request whose commit woke it: that request's deadline and trace must not
  // follow the relay into every later pass.
  const loopOutsideRequests = AsyncResource.bind(() => void loop());
  const wake = () => {
    if (!running) return;
    if (current) {
      wokenDuringPass = true;
      return;
    }
    clearTimeout(timer);
    timer = setTimeout(loopOutsideRequests, 0);
  };
  let wakeSet = wakers.get(database);
  if (!wakeSet) wakers.set(database, (wakeSet = new Set()));
  const listening = wakeSet;

  return {
    pass,
    start() {
      if (running) return;
      running = true;
      listening.add(wake);
      void loop();
    },
    wake,
    async stop() {
      running = false;
      listening.delete(wake);
      clearTimeout(timer);
      await current?.catch(() => undefined);
    },
    async backlog() {
      const rows = await db.selectFrom('outbox').select(['state', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min('created_at').as('oldest')]).where('state', '!=', 'published').groupBy('state').execute();
      const pending = rows.find((r) => r.state === 'pending');
      const dead = rows.find((r) => r.state === 'dead');
      return {
        pending: Number(pending?.n ?? 0),
        dead: Number(dead?.n ?? 0),
        oldest_pending_ms: pending?.oldest === undefined || pending.oldest === null ? 0 : Math.max(0, now() - Number(pending.oldest)),
      };
    },
    async retry(eventId) {
      const result = await db.updateTable('outbox').set({ state: 'pending', attempts: 0, next_attempt_at: now() }).where('event_id', '=', eventId).where('state', '=', 'dead').executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
