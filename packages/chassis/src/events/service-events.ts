import { whenServing } from '../serving.js';
import { EVENT_SUBSCRIPTIONS, type EventType } from '@microshop/contracts';
import type { ServiceIdentity } from '../identity/identity.js';
import type { Kysely } from 'kysely';
import type { Discovery } from '../discovery/discovery.js';
import type { Resilience } from '../resilience/resilience.js';
import type { App } from '../server.js';
import { registerEventReceiver, type EventHandlers } from './http-transport.js';
import { applyOnce } from './inbox.js';
import type { NatsBroker, NatsConsumer } from './nats-transport.js';
import type { OutboxRelay, RelayOptions } from './relay.js';
import { registerServiceOutbox } from './service-outbox.js';
import type { EventTables } from './tables.js';

export interface ServiceEventsOptions<DB extends EventTables> {
  /** The service's name: the source of its events, and its durable consumer's name on NATS. */
  service: string;
  db: Kysely<DB>;
  /** The service's identity: its deliveries carry its tokens, and its receiver checks the publishers'. */
  identity: ServiceIdentity;
  /** What the service does with each event type it consumes (see `EVENT_SUBSCRIPTIONS`); none: it only publishes. */
  handlers?: EventHandlers<DB>;
  /** NATS JetStream (`eventsBrokerFrom(config)`); absent: the embedded HTTP transport. Closed with the app. */
  broker?: NatsBroker | undefined;
  /** Finds the subscribers the HTTP transport delivers to. */
  discovery?: Discovery | undefined;
  resilience?: Resilience | undefined;
  relay?: Omit<RelayOptions<DB>, 'db' | 'publisher'>;
  /** Deliveries on NATS before a failing event is given up (terminated, logged). */
  maxDeliver?: number;
}

/**
 * Everything a service needs to take part in events, in one call: the outbox and its relay
 * (`registerServiceOutbox`), and, when it consumes events, the consumer on the transport in use,
 * each event applied once through the inbox (`applyOnce`) inside the handler's transaction:
 * - HTTP (default): `POST /internal/events`, where the publishers' relays deliver;
 * - NATS: a durable pull consumer named after the service (its replicas share it), started once the
 *   app listens and stopped, with the connection, when it closes. `POST /internal/events` stays
 *   open too, so a publisher still on HTTP during a migration reaches it.
 *
 * The handlers must match `EVENT_SUBSCRIPTIONS[service]`, the one declaration of who consumes what:
 * a mismatch throws at start-up rather than losing events at run time.
 */
export function registerServiceEvents<DB extends EventTables>(app: App, options: ServiceEventsOptions<DB>): OutboxRelay {
  const { service, db, identity, handlers = {}, broker, discovery, resilience, relay, maxDeliver = 20 } = options;
  const declared = [...(EVENT_SUBSCRIPTIONS[service] ?? [])].sort();
  const handled = (Object.keys(handlers) as EventType[]).sort();
  if (declared.join() !== handled.join()) {
    throw new Error(`${service} handles [${handled.join(', ')}] but EVENT_SUBSCRIPTIONS declares [${declared.join(', ')}] for it`);
  }

  const outbox = registerServiceOutbox(app, {
    db,
    identity,
    ...(broker ? { publisher: broker.publisher() } : {}),
    ...(discovery ? { discovery } : {}),
    resilience,
    ...(relay ? { relay } : {}),
  });

  if (handled.length > 0) registerEventReceiver(app, { db, handlers, identity });

  let consumer: NatsConsumer | undefined;
  if (broker && handled.length > 0) {
    whenServing(app, async () => {
      consumer = await broker.consume({
        durable: service,
        types: handled,
        handle: async (event) => {
          const handler = handlers[event.type as EventType];
          if (handler) await applyOnce(db, event, (trx) => handler(event, trx));
        },
        maxDeliver,
        onStuck: (delivered, last) => app.log.error({ delivered, last }, `the ${service} consumer was past the end of its stream (delivered ${delivered}, last ${last}): started over from the start, the inbox drops what was applied`),
        onDeadLetter: (event, error, message) =>
          app.log.error({ err: error, event_id: event?.id, subject: message.subject, seq: message.seq }, `gave up on ${event?.type ?? 'a message'} ${event?.id ?? `#${message.seq}`} after ${maxDeliver} deliveries`),
      });
    });
  }
  if (broker) {
    app.addHook('onClose', async () => {
      await consumer?.stop();
      await outbox.stop();
      await broker.close();
    });
  }
  return outbox;
}
