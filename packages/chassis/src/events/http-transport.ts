import { EVENT_SCHEMAS, EventEnvelope, type EventType } from '@microshop/contracts';
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../errors.js';
import { callerOf, requireService, type ServiceIdentity } from '../identity/identity.js';
import type { App } from '../server.js';
import type { ServiceClient } from '../service-client.js';
import { matchesContract } from '../validation.js';
import { applyOnce } from './inbox.js';
import type { EventTables } from './tables.js';
import type { EventPublisher } from './transport.js';

/** The path every service that consumes events over HTTP listens on (internal: service credential). */
export const EVENTS_PATH = '/internal/events';

export interface HttpPublisherOptions {
  /** Which services receive each event type. */
  subscribers: Partial<Record<EventType, readonly string[]>>;
  /** The client of a subscriber: balanced over its instances (discovery). */
  clientOf(service: string): ServiceClient;
  /** The publisher's identity: each delivery carries its token for the subscriber. */
  identity: ServiceIdentity;
}

/**
 * The embedded transport: an event is POSTed to `/internal/events` of every subscribed service,
 * and counts as published once each answered 2xx. Any instance of a subscriber may take it: they
 * share its database, so its inbox applies the event once.
 */
export function createHttpPublisher({ subscribers, clientOf, identity }: HttpPublisherOptions): EventPublisher {
  return {
    async publish(event) {
      const targets = subscribers[event.type as EventType] ?? [];
      await Promise.all(
        targets.map(async (service) => {
          const { status } = await clientOf(service).call({ method: 'POST', path: EVENTS_PATH, body: event, headers: identity.headersFor(service) });
          if (status < 200 || status >= 300) throw new Error(`${service} answered ${status} to ${event.type} ${event.id}`);
        }),
      );
    },
    close: async () => undefined,
  };
}

/** What a service does with each event type it consumes, inside the transaction that records it in the inbox. */
export type EventHandlers<DB> = Partial<Record<EventType, (event: EventEnvelope, trx: Transaction<DB>) => Promise<void>>>;

/**
 * `POST /internal/events`: receives an event over HTTP, checks its envelope and its data against
 * the contract of its type and version, and applies it once (`applyOnce`). 200 `{ result: applied | duplicate }`;
 * 422 for a type this service does not consume or data that does not match; 401 without a valid
 * service token, 403 when the event's `source` is not the service whose token came with it (no
 * service can publish in another's name). A handler's failure is a 5xx: the relay delivers the event again later.
 */
export function registerEventReceiver<DB extends EventTables>(app: App, { db, handlers, identity }: { db: Kysely<DB>; handlers: EventHandlers<DB>; identity: ServiceIdentity }): void {
  app.post(
    EVENTS_PATH,
    { onRequest: requireService(identity), config: { quiet: true }, schema: { hide: true, body: EventEnvelope } },
    async (request) => {
      const event = request.body;
      const caller = callerOf(request)?.iss;
      if (caller !== event.source) throw new AppError({ status: 403, code: 'forbidden', title: 'Caller not allowed', detail: `${caller ?? 'an unknown caller'} may not deliver events whose source is ${event.source}`, field: 'source' });
      const handler = handlers[event.type as EventType];
      if (!handler) throw AppError.unprocessable('type', `${event.type} is not an event this service consumes`);
      const schema = (EVENT_SCHEMAS as Record<string, Record<number, unknown>>)[event.type]?.[event.version];
      if (!schema || !matchesContract(schema as object, event.data)) throw AppError.unprocessable('data', `does not match ${event.type} version ${event.version}`);
      return { result: await applyOnce(db, event, (trx) => handler(event, trx)) };
    },
  );
}
