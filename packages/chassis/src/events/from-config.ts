import type { Static, TObject } from 'typebox';
import type { EventsConfig } from '../config.js';
import { connectNatsBroker } from './nats-transport.js';
import type { EventPublisher } from './transport.js';

type EventsValues = Static<TObject<typeof EventsConfig>>;

/**
 * The publisher a service's config asks for: NATS JetStream when `BROKER_URL` is set (connected
 * now, so a wrong URL stops the start with a clear error), else `undefined`, meaning the embedded
 * HTTP transport (`registerServiceOutbox`'s default).
 */
export async function eventPublisherFrom(config: EventsValues): Promise<EventPublisher | undefined> {
  if (!config.BROKER_URL) return undefined;
  const broker = await connectNatsBroker({ url: config.BROKER_URL, stream: config.BROKER_STREAM, subjectPrefix: config.BROKER_SUBJECT_PREFIX });
  const publisher = broker.publisher();
  return {
    publish: (event) => publisher.publish(event),
    close: async () => {
      await publisher.close();
      await broker.close();
    },
  };
}
