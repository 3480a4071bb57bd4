import type { Static, TObject } from 'typebox';
import type { EventsConfig } from '../config.js';
import { connectNatsBroker, type NatsBroker } from './nats-transport.js';

type EventsValues = Static<TObject<typeof EventsConfig>>;

/**
 * The broker a service's config asks for: NATS JetStream when `BROKER_URL` is set (connected now,
 * so a wrong URL stops the start with a clear error), else `undefined`, meaning the embedded HTTP
 * transport. Pass it to `registerServiceEvents`, which closes it with the app.
 */
export async function eventsBrokerFrom(config: EventsValues): Promise<NatsBroker | undefined> {
  if (!config.BROKER_URL) return undefined;
  return connectNatsBroker({ url: config.BROKER_URL, stream: config.BROKER_STREAM, subjectPrefix: config.BROKER_SUBJECT_PREFIX });
}
