import type { EventEnvelope } from '@microshop/contracts';

/** Where the relay hands events over: HTTP to the subscribers (the default) or a broker. */
export interface EventPublisher {
  /** Resolves once the event is accepted (by every subscriber, or by the broker); rejects otherwise. */
  publish(event: EventEnvelope): Promise<void>;
  close(): Promise<void>;
}
