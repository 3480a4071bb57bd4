import { EVENT_SCHEMAS, EventEnvelope } from '@microshop/contracts';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, JetStreamApiError, StorageType, type ConsumerConfig, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { compare, connect, nanos, parseSemVer, type NatsConnection } from '@nats-io/transport-node';
import { matchesContract } from '../validation.js';
import type { NatsBroker, NatsBrokerOptions, NatsConsumeOptions, NatsConsumer } from './nats-transport.js';

const STREAM_NOT_FOUND = 10059;
/** How long one pull request stays open on the server. */
const PULL_EXPIRES_MS = 2000;
/** How often a consumer checks that its position is inside its stream. */
const WATCHDOG_MS = 5000;

/** Connects to NATS and opens the broker: see {@link connectNatsBroker} in `nats-transport.ts`. */
export async function openNatsBroker({ url, stream = 'MICROSHOP_EVENTS', subjectPrefix = 'microshop.events', duplicateWindowMs = 120_000, publishTimeoutMs = 5000 }: NatsBrokerOptions): Promise<NatsBroker> {
  const nc = await connect({ servers: url, name: 'microshop', maxReconnectAttempts: -1, reconnectTimeWait: 1000, reconnectJitter: 500 });
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStream(jsm, stream, [`${subjectPrefix}.>`], duplicateWindowMs);
    const js = jetstream(nc);
    const subjectOf = (type: string) => `${subjectPrefix}.${type}`;
    return {
      stream,
      subjectPrefix,
      subjectOf,
      js,
      jsm,
      publisher: () => ({
        async publish(event) {
          // A duplicate (same id within the window) is acked with `duplicate: true`: stored once, success.
          await js.publish(subjectOf(event.type), JSON.stringify(event), { msgID: event.id, timeout: publishTimeoutMs, expect: { streamName: stream } });
        },
        // The connection belongs to the broker: closing the publisher leaves it to `close`.
        close: async () => undefined,
      }),
      consume: (options) => startConsumer(nc, js, jsm, stream, subjectOf, subjectPrefix, options),
      close: async () => {
        if (!nc.isClosed()) await nc.drain();
      },
    };
  } catch (error) {
    await nc.close();
    throw error;
  }
}

/** Creates the stream, or updates its subjects and duplicate window when they differ. */
async function ensureStream(jsm: JetStreamManager, name: string, subjects: string[], duplicateWindowMs: number): Promise<void> {
  const duplicate_window = nanos(duplicateWindowMs);
  let existing;
  try {
    existing = await jsm.streams.info(name);
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND)) throw error;
    await jsm.streams.add({ name, subjects, storage: StorageType.File, duplicate_window });
    return;
  }
  const same = existing.config.subjects.length === subjects.length && subjects.every((s) => existing.config.subjects.includes(s));
  if (!same || existing.config.duplicate_window !== duplicate_window) await jsm.streams.update(name, { ...existing.config, subjects, duplicate_window });
}

async function startConsumer(
  nc: NatsConnection,
  js: JetStreamClient,
  jsm: JetStreamManager,
  stream: string,
  subjectOf: (type: string) => string,
  subjectPrefix: string,
  { durable, types, handle, maxDeliver = 10, ackWaitMs = 5000, maxAckPending = 1, baseBackoffMs = 200, maxBackoffMs = 5000, onDeadLetter, onStuck }: NatsConsumeOptions,
): Promise<NatsConsumer> {
  if (types.length === 0) throw new Error(`consumer ${durable}: no event types`);
  const wanted = new Set(types);
  // Several filter subjects need nats-server 2.10; before that the consumer reads every event and
  // acks the types it does not consume.
  const multiFilter = compare(parseSemVer(nc.info?.version ?? '0.0.0'), parseSemVer('2.10.0')) >= 0;
  const filter: Partial<ConsumerConfig> =
    types.length === 1 ? { filter_subject: subjectOf(types[0]!) } : multiFilter ? { filter_subjects: types.map(subjectOf) } : { filter_subject: `${subjectPrefix}.>` };
  const config: Partial<ConsumerConfig> = { ack_policy: AckPolicy.Explicit, ack_wait: nanos(ackWaitMs), max_deliver: maxDeliver, max_ack_pending: maxAckPending, ...filter };
  // The durable consumer outlives this process: created the first time, and updated after only
  // when its settings changed (an update of a consumer in use is not free: on nats-server 2.9 one
  // was seen to lose its place in the stream, so a restart that changes nothing updates nothing).
  const existing = await jsm.consumers.info(stream, durable).then(
    (info) => info,
    (error: unknown) => {
      if (error instanceof JetStreamApiError) return undefined;
      throw error;
    },
  );
  if (!existing) await jsm.consumers.add(stream, { durable_name: durable, deliver_policy: DeliverPolicy.All, ...config });
  else if (!sameSettings(existing.config, config)) await jsm.consumers.update(stream, durable, config);

  let stopping = false;
  let messages: ConsumerMessages | undefined;

  const giveUp = (msg: JsMsg, event: EventEnvelope | undefined, error: unknown) => {
    // Terminated, not deleted: the message stays in the stream for a person to look at or replay.
    // (No reason: nats-server before 2.10.4 does not take `+TERM <reason>` and leaves the message pending.)
    msg.term();
    onDeadLetter?.(event, error, { subject: msg.subject, seq: msg.seq });
  };

  const handleMessage = async (msg: JsMsg) => {
    let event: EventEnvelope;
    try {
      event = parseEvent(msg);
    } catch (error) {
      giveUp(msg, undefined, error);
      return;
    }
    if (!wanted.has(event.type)) {
      msg.ack();
      return;
    }
    try {
      await handle(event);
      msg.ack();
    } catch (error) {
      const deliveries = msg.info.deliveryCount;
      if (deliveries >= maxDeliver) giveUp(msg, event, error);
      else msg.nak(Math.min(maxBackoffMs, baseBackoffMs * 2 ** (deliveries - 1)));
    }
  };

  /** Pulls and handles messages until `messages` is closed (by `stop`, or by the watchdog to start over). */
  const pull = async () => {
    while (!stopping) {
      const consumer = await js.consumers.get(stream, durable);
      // Pull requests that expire quickly: those of a process that died (SIGKILL, no goodbye) would
      // otherwise stay open on the server for 30 s, and a message routed to one waits out an ack wait
      // with nobody to ack it (nats-server 2.9 does not drop them when the connection goes).
      messages = await consumer.consume({ max_messages: Math.max(1, maxAckPending), expires: PULL_EXPIRES_MS });
      for await (const msg of messages) {
        // Pulled but not handled before `stop`: handed back at once, not after the ack wait.
        if (stopping) msg.nak();
        else await handleMessage(msg);
      }
    }
  };
  const loop = pull();
  // A pull that fails (the connection closed for good) ends the consumer; `stop` still waits for it.
  loop.catch(() => undefined);

  /**
   * A consumer whose position is past the end of its stream can never deliver again. nats-server
   * 2.9 was seen to leave one so (delivered stream sequence 2^64-1, nothing pending) after its
   * consumers were killed repeatedly mid-pull. The watchdog notices and starts the consumer over from
   * the start of the stream: every event comes again, and the inbox drops those already applied.
   */
  const watchdog = setInterval(() => {
    void (async () => {
      const [info, streamInfo] = await Promise.all([jsm.consumers.info(stream, durable), jsm.streams.info(stream)]);
      if (stopping || info.delivered.stream_seq <= streamInfo.state.last_seq) return;
      onStuck?.(info.delivered.stream_seq, streamInfo.state.last_seq);
      await jsm.consumers.delete(stream, durable).catch(() => false);
      await jsm.consumers.add(stream, { durable_name: durable, deliver_policy: DeliverPolicy.All, ...config }).catch(() => undefined);
      await messages?.close();
    })().catch(() => undefined);
  }, WATCHDOG_MS);
  watchdog.unref();

  return {
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(watchdog);
      await messages?.close();
      await loop.catch(() => undefined);
    },
  };
}

/** True when every setting in `wanted` already has that value in `current`. */
function sameSettings(current: Partial<ConsumerConfig>, wanted: Partial<ConsumerConfig>): boolean {
  return Object.entries(wanted).every(([key, value]) => JSON.stringify(current[key as keyof ConsumerConfig] ?? null) === JSON.stringify(value ?? null));
}

/** The envelope of a message, checked against the contract of its type and version. */
function parseEvent(msg: JsMsg): EventEnvelope {
  const event = msg.json<unknown>();
  if (!matchesContract<EventEnvelope>(EventEnvelope, event)) throw new Error(`${msg.subject} #${msg.seq} is not an event envelope`);
  const schema = (EVENT_SCHEMAS as Record<string, Record<number, unknown>>)[event.type]?.[event.version];
  if (!schema || !matchesContract(schema as object, event.data)) throw new Error(`${event.type} ${event.id} does not match ${event.type} version ${event.version}`);
  return event;
}
