import { whenServing } from '../serving.js';
import { OutboxState, subscribersOf, type EventType } from '@microshop/contracts';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Discovery } from '../discovery/discovery.js';
import { AppError } from '../errors.js';
import { defineGauge } from '../metrics/gauges.js';
import type { Resilience } from '../resilience/resilience.js';
import { OPERATORS, requireService, type ServiceIdentity } from '../identity/identity.js';
import type { App } from '../server.js';
import { createServiceClient, type ServiceClient } from '../service-client.js';
import { createHttpPublisher } from './http-transport.js';
import { duplicatesDropped } from './inbox.js';
import { createOutboxRelay, type OutboxRelay, type RelayOptions } from './relay.js';
import type { EventTables } from './tables.js';
import type { EventPublisher } from './transport.js';

export interface ServiceOutboxOptions<DB extends EventTables> {
  db: Kysely<DB>;
  /** Where the relay hands events over; default: the embedded HTTP transport to the subscribers of {@link subscribersOf}. */
  publisher?: EventPublisher;
  /** Finds the subscribers for the default HTTP transport. */
  discovery?: Discovery;
  /** The service's identity: its deliveries carry its tokens; the outbox routes take the gateway's. */
  identity: ServiceIdentity;
  timeoutMs?: number;
  resilience?: Resilience | undefined;
  relay?: Omit<RelayOptions<DB>, 'db' | 'publisher'>;
}

/** The outboxes of this process (one per app; tests may run several), read at each scrape. */
const watchedRelays = new Set<OutboxRelay>();

/** One reading shared by the three gauges of a scrape (each gauge collects on its own). */
let lastReading: { at: number; value: Promise<{ pending: number; dead: number; lagS: number }> } | undefined;

function totalBacklog(): Promise<{ pending: number; dead: number; lagS: number }> {
  const at = Date.now();
  if (!lastReading || at - lastReading.at > 250) lastReading = { at, value: readBacklog() };
  return lastReading.value;
}

async function readBacklog(): Promise<{ pending: number; dead: number; lagS: number }> {
  const backlogs = await Promise.all([...watchedRelays].map((relay) => relay.backlog().catch(() => undefined)));
  const known = backlogs.filter((b) => b !== undefined);
  return { pending: known.reduce((n, b) => n + b.pending, 0), dead: known.reduce((n, b) => n + b.dead, 0), lagS: Math.max(0, ...known.map((b) => b.oldest_pending_ms / 1000)) };
}

function declareOutboxGauges(): void {
  defineGauge({ name: 'outbox_pending', help: 'Events recorded in the outbox and not published yet', collect: async (g) => g.set((await totalBacklog()).pending) });
  defineGauge({ name: 'outbox_dead', help: 'Events in the outbox given up on after the last attempt (dead letters)', collect: async (g) => g.set((await totalBacklog()).dead) });
  defineGauge({ name: 'outbox_lag_seconds', help: 'Age of the oldest unpublished event in the outbox', collect: async (g) => g.set((await totalBacklog()).lagS) });
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** The HTTP publisher to the subscribers declared in contracts, each reached through discovery. */
export function subscriberPublisher({ discovery, identity, timeoutMs = 2000, resilience }: { discovery?: Discovery | undefined; identity: ServiceIdentity; timeoutMs?: number; resilience?: Resilience | undefined }): EventPublisher & { close(): Promise<void> } {
  const clients = new Map<string, ServiceClient>();
  const clientOf = (service: string) => {
    let client = clients.get(service);
    if (!client) {
      if (!discovery) throw new Error(`No discovery to find ${service}, a subscriber`);
      client = createServiceClient({ service, resolver: discovery.resolver(service), timeoutMs, resilience });
      clients.set(service, client);
    }
    return client;
  };
  const subscribers = new Proxy({} as Partial<Record<EventType, readonly string[]>>, { get: (_target, type) => subscribersOf(type as EventType) });
  const http = createHttpPublisher({ subscribers, clientOf, identity });
  return { publish: http.publish, close: async () => void (await Promise.all([...clients.values()].map((c) => c.close()))) };
}

/**
 * A service's outbox at work: the relay runs while the app listens (publishing what the service
 * records with `recordEvents`), `GET /internal/events/outbox` shows the backlog, the lag, the dead
 * letters and the latest events, `POST /internal/events/outbox/:event_id/retry` sends a dead letter
 * again (both behind the service credential), and `/metrics` has `microshop_outbox_pending`,
 * `microshop_outbox_dead` and `microshop_outbox_lag_seconds`.
 */
export function registerServiceOutbox<DB extends EventTables>(app: App, options: ServiceOutboxOptions<DB>): OutboxRelay {
  const db = options.db as unknown as Kysely<EventTables>;
  const publisher = options.publisher ?? subscriberPublisher(options);
  const relay = createOutboxRelay({
    ...options.relay,
    db: options.db,
    publisher,
    onError: (event, error, dead) =>
      app.log[dead ? 'error' : 'warn']({ event_id: event.id, type: event.type, err: error }, dead ? `${event.type} ${event.id} is a dead letter: publishing failed too often` : `publishing ${event.type} ${event.id} failed: retrying`),
  });
  whenServing(app, () => relay.start());
  app.addHook('onClose', async () => {
    await relay.stop();
    await publisher.close();
  });

  watchedRelays.add(relay);
  app.addHook('onClose', async () => void watchedRelays.delete(relay));
  declareOutboxGauges();

  const onRequest = requireService(options.identity, { from: OPERATORS });
  app.get('/internal/events/outbox', { onRequest, config: { monitoring: true }, schema: { hide: true, response: { 200: OutboxState } } }, async () => {
    const backlog = await relay.backlog();
    const [dead, recent, applied, inbox] = await Promise.all([
      db.selectFrom('outbox').selectAll().where('state', '=', 'dead').orderBy('id', 'desc').limit(100).execute(),
      db.selectFrom('outbox').selectAll().orderBy('id', 'desc').limit(20).execute(),
      db.selectFrom('inbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
      db.selectFrom('inbox').selectAll().orderBy('applied_at', 'desc').limit(20).execute(),
    ]);
    return {
      ...backlog,
      inbox: {
        applied: Number(applied.n),
        duplicates: duplicatesDropped(options.db),
        recent: inbox.map((r) => ({ event_id: r.event_id, type: r.type, applied_at: iso(Number(r.applied_at)) as string })),
      },
      dead_letters: dead.map((r) => ({ event_id: r.event_id, type: r.type, subject: r.subject, attempts: Number(r.attempts), last_error: r.last_error, created_at: iso(Number(r.created_at)) as string })),
      recent: recent.map((r) => ({ event_id: r.event_id, type: r.type, subject: r.subject, state: r.state, attempts: Number(r.attempts), created_at: iso(Number(r.created_at)) as string, published_at: iso(r.published_at) })),
    };
  });
  app.post(
    '/internal/events/outbox/:event_id/retry',
    { onRequest, schema: { hide: true, params: Type.Object({ event_id: Type.String({ maxLength: 64 }) }) } },
    async (request) => {
      if (!(await relay.retry(request.params.event_id))) throw AppError.notFound('dead letter', request.params.event_id, 'event_id');
      return { retried: request.params.event_id };
    },
  );
  return relay;
}
