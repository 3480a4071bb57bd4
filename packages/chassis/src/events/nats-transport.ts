import type { EventEnvelope } from '@microshop/contracts';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { EventPublisher } from './transport.js';

export interface NatsBrokerOptions {
  /** `nats://host:port` (the `BROKER_URL`). */
  url: string;
  /** The JetStream stream that keeps every event. */
  stream?: string;
  /** Events are published on `<subjectPrefix>.<type>`. */
  subjectPrefix?: string;
  /** JetStream drops a message whose `Nats-Msg-Id` (the event id) it stored within this window: a relay that publishes again after a crash stores nothing twice. */
  duplicateWindowMs?: number;
  /** How long a publish waits for the JetStream ack before it rejects (and the relay retries). */
  publishTimeoutMs?: number;
}

/** What a consuming service does with the events of its durable consumer. */
export interface NatsConsumeOptions {
  /** The durable consumer's name, one per consuming service: its instances share it, and it remembers what was acked. */
  durable: string;
  /** The event types this service consumes. */
  types: readonly string[];
  /** Applies an event (meant to call `applyOnce`): resolving acks it, throwing delivers it again after a backoff. */
  handle(event: EventEnvelope): Promise<void>;
  /** Deliveries before JetStream gives up on a message (it stays in the stream; `onDeadLetter` reports it). */
  maxDeliver?: number;
  /**
   * How long a delivered message may go unacked before JetStream delivers it again (default 5 s).
   * It is also how long a consumer whose process died holding a message stays stuck (one message in
   * flight at a time): short, since handlers are one local transaction.
   */
  ackWaitMs?: number;
  /**
   * Messages delivered and not yet acked. 1 (the default) keeps events in order: one that fails holds
   * back the later ones until it is applied or given up, as the relay does per subject.
   */
  maxAckPending?: number;
  /** The wait after the first failure, doubled after each one, up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A message given up: its handler failed `maxDeliver` times, or it is not a valid event (`event` undefined). */
  onDeadLetter?(event: EventEnvelope | undefined, error: unknown, message: { subject: string; seq: number }): void;
  /** The consumer was found past the end of its stream and started over (see the watchdog in `startConsumer`). */
  onStuck?(deliveredSeq: number, lastSeq: number): void;
}

/** A running consumer. `stop` lets the event being handled finish, and hands the others back to JetStream. */
export interface NatsConsumer {
  stop(): Promise<void>;
}

export interface NatsBroker {
  /** The stream and subject prefix in use. */
  readonly stream: string;
  readonly subjectPrefix: string;
  /** The subject an event type is published on. */
  subjectOf(type: string): string;
  /** The publisher for the outbox relay: resolves once JetStream stored the event (or already had it). */
  publisher(): EventPublisher;
  /** Starts (or resumes) the durable pull consumer of a service. */
  consume(options: NatsConsumeOptions): Promise<NatsConsumer>;
  /** The JetStream clients, for operations and tests. */
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Drains the connection: pending publishes and acks are flushed first. */
  close(): Promise<void>;
}

/**
 * The broker transport (`BROKER_URL=nats://…`): events go to a durable JetStream stream, and each
 * consuming service reads them through its own durable consumer, so a consumer that is down gets
 * what it missed when it comes back and producers never need to know who consumes what.
 *
 * Delivery is at least once on both sides: the relay may publish an event again (JetStream drops
 * it within the duplicate window, by its id) and JetStream delivers again what was not acked; the
 * consumer's inbox (`applyOnce`) makes the effect exactly once. The connection reconnects forever:
 * while the broker is down, publishing rejects (the events stay pending in the outbox) and the
 * consumers resume once it is back.
 */
export async function connectNatsBroker(options: NatsBrokerOptions): Promise<NatsBroker> {
  // The NATS client is loaded only by a process configured with a broker (`BROKER_URL`).
  const { openNatsBroker } = await import('./nats-broker.js');
  return openNatsBroker(options);
}
