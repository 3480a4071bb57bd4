import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '@microshop/contracts';
import { createTestDatabase, type TestDatabase } from '@microshop/testkit';
import { connect } from '@nats-io/transport-node';
import type { Generated, Kysely } from 'kysely';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createTableWithId } from '../src/schema.js';
import { applyOnce, connectNatsBroker, createOutboxRelay, eventsMigration, recordEvents, type EventTables, type NatsBroker, type NewEvent } from '../src/events/index.js';

/** The machine's nats-server with JetStream (.ci/run starts it when it is not running). */
const NATS_URL = 'nats://127.0.0.1:4222';

interface Tables extends EventTables {
  /** What a consumer did: one row per applied event. */
  effects: { id: Generated<number>; event_id: string; type: string; subject: string };
}

const migrations = {
  '0001-effects': async (db: Parameters<typeof eventsMigration>[0], dialect: Parameters<typeof eventsMigration>[1]) => {
    await createTableWithId(db, 'effects', dialect)
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .execute();
  },
  '0002-events': eventsMigration,
};

beforeAll(async () => {
  try {
    const nc = await connect({ servers: NATS_URL, timeout: 3000 });
    await nc.close();
  } catch (error) {
    throw new Error(`nats-server with JetStream must listen on 127.0.0.1:4222 for these tests (.ci/run starts it): ${String(error)}`);
  }
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A broker on its own stream and subject prefix, deleted after the test. */
async function broker(): Promise<NatsBroker> {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
  const b = await connectNatsBroker({ url: NATS_URL, stream: `TEST_EVENTS_${suffix}`, subjectPrefix: `test.${suffix}.events` });
  cleanups.push(async () => {
    await b.jsm.streams.delete(b.stream).catch(() => undefined);
    await b.close();
  });
  return b;
}

async function database(): Promise<Kysely<Tables>> {
  const testDb = await createTestDatabase<Tables>('sqlite', migrations);
  cleanups.push(() => testDb.drop());
  return (testDb as TestDatabase<Tables>).database.db;
}

/** Resolves once `check` holds; fails with `what` after `timeoutMs`. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const created = (id: number): NewEvent => ({ type: 'OrderCreated', subject: `order/${id}`, data: { order_id: id, user_id: 1, product_id: 2, quantity: 3, total: 2999.97 } });
const paid = (id: number): NewEvent => ({ type: 'OrderPaid', subject: `order/${id}`, data: { order_id: id, total: 2999.97 } });
const cancelled = (id: number): NewEvent => ({ type: 'OrderCancelled', subject: `order/${id}`, data: { order_id: id, reason: 'changed my mind' } });

/** An envelope as the outbox makes it, without a database. */
const envelope = (event: NewEvent): EventEnvelope => ({ id: randomUUID(), version: 1, source: 'order-service', occurred_at: new Date().toISOString(), ...event });

/** Applies an event once into `effects`. */
const applyEffect = (db: Kysely<Tables>, event: EventEnvelope) =>
  applyOnce(db, event, async (trx) => void (await trx.insertInto('effects').values({ event_id: event.id, type: event.type, subject: event.subject }).execute()));

describe('Events over NATS JetStream (the broker transport)', () => {
  test('When an event is published, then it is stored on <prefix>.<type> with its id as Nats-Msg-Id, and the consumer receives the envelope', async () => {
    const b = await broker();
    const event = envelope(created(1));
    await b.publisher().publish(event);

    const stored = await b.jsm.streams.getMessage(b.stream, { seq: 1 });
    expect(stored?.subject).toBe(`${b.subjectPrefix}.OrderCreated`);
    expect(stored?.header.get('Nats-Msg-Id')).toBe(event.id);
    expect((await b.jsm.streams.info(b.stream)).config).toMatchObject({ subjects: [`${b.subjectPrefix}.>`], storage: 'file' });

    const got: EventEnvelope[] = [];
    const consumer = await b.consume({ durable: 'inventory-service', types: ['OrderCreated'], handle: async (e) => void got.push(e) });
    cleanups.push(() => consumer.stop());
    await until('the event', () => got.length === 1);
    expect(got[0]).toEqual(event);
  });

  test('C1: when the same event is published twice (the relay died between publishing and marking), then the stream stores it once and it is consumed once', async () => {
    const b = await broker();
    const event = envelope(paid(2));
    const publisher = b.publisher();
    await publisher.publish(event);
    await publisher.publish(event); // a duplicate ack is a success
    expect((await b.jsm.streams.info(b.stream)).state.messages).toBe(1);

    const got: EventEnvelope[] = [];
    const consumer = await b.consume({ durable: 'payment-service', types: ['OrderPaid'], handle: async (e) => void got.push(e) });
    cleanups.push(() => consumer.stop());
    await until('the event', () => got.length === 1);
    await sleep(300);
    expect(got.map((e) => e.id)).toEqual([event.id]);
  });

  test('When the outbox relay publishes through NATS, then the consumer applies every event once and in order per subject, even when a handler fails once before or after applying', async () => {
    const b = await broker();
    const producer = await database();
    const consumerDb = await database();
    const recorded = [
      ...(await recordEvents(producer, 'order-service', [created(1), paid(1)])),
      ...(await recordEvents(producer, 'order-service', [created(2)])),
      ...(await recordEvents(producer, 'order-service', [cancelled(1), paid(2)])),
    ];
    const relay = createOutboxRelay({ db: producer, publisher: b.publisher() });
    expect(await relay.pass()).toBe(5);
    expect(await relay.backlog()).toMatchObject({ pending: 0, dead: 0 });

    const failed = new Set<string>();
    const results: string[] = [];
    const consumer = await b.consume({
      durable: 'shipping-service',
      types: ['OrderCreated', 'OrderPaid', 'OrderCancelled'],
      handle: async (event) => {
        if (event.type === 'OrderPaid' && event.subject === 'order/1' && !failed.has(event.id)) {
          // Applied, then the ack is lost: the redelivery finds it in the inbox.
          failed.add(event.id);
          results.push(await applyEffect(consumerDb, event));
          throw new Error('crashed before the ack');
        }
        if (event.type === 'OrderCreated' && event.subject === 'order/2' && !failed.has(event.id)) {
          // Fails while applying: rolled back, then applied on the redelivery.
          failed.add(event.id);
          await applyOnce(consumerDb, event, async (trx) => {
            await trx.insertInto('effects').values({ event_id: event.id, type: event.type, subject: event.subject }).execute();
            throw new Error('failed while applying');
          });
        }
        results.push(await applyEffect(consumerDb, event));
      },
    });
    cleanups.push(() => consumer.stop());

    await until('5 effects', async () => (await consumerDb.selectFrom('effects').select('id').execute()).length === 5);
    await until('the redelivery of the applied event', () => results.length === 6);
    await sleep(300);
    const effects = await consumerDb.selectFrom('effects').select(['event_id', 'subject']).orderBy('id').execute();
    expect(effects.map((e) => e.event_id).sort()).toEqual(recorded.map((e) => e.id).sort());
    for (const subject of ['order/1', 'order/2']) {
      expect(effects.filter((e) => e.subject === subject).map((e) => e.event_id)).toEqual(recorded.filter((e) => e.subject === subject).map((e) => e.id));
    }
    expect(results.filter((r) => r === 'applied')).toHaveLength(5);
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(1);
    expect(await consumerDb.selectFrom('inbox').select('event_id').execute()).toHaveLength(5);
  });

  test('When a handler always fails, then the event is delivered maxDeliver times with backoff and reported as a dead letter; an invalid message is terminated and reported at once', async () => {
    const b = await broker();
    const event = envelope(cancelled(3));
    await b.publisher().publish(event);
    await b.js.publish(`${b.subjectPrefix}.OrderCancelled`, 'not an envelope');
    await b.js.publish(`${b.subjectPrefix}.OrderCancelled`, JSON.stringify({ ...envelope(cancelled(4)), data: { order_id: 'four' } }));

    const attempts: number[] = [];
    const dead: { event: EventEnvelope | undefined; error: unknown }[] = [];
    const consumer = await b.consume({
      durable: 'audit-service',
      types: ['OrderCancelled'],
      maxDeliver: 3,
      baseBackoffMs: 100,
      handle: async () => {
        attempts.push(Date.now());
        throw new Error('always fails');
      },
      onDeadLetter: (e, error) => dead.push({ event: e, error }),
    });
    cleanups.push(() => consumer.stop());

    await until('3 dead letters', () => dead.length === 3);
    await sleep(500);
    expect(attempts).toHaveLength(3);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(attempts[1]! - attempts[0]!); // 100 ms, then 200 ms
    expect(dead[0]).toMatchObject({ event, error: expect.objectContaining({ message: 'always fails' }) });
    expect(dead[1]!.event).toBeUndefined();
    expect(String(dead[1]!.error)).toMatch(/not valid JSON|Unexpected token|JSON/);
    expect(dead[2]!.event).toBeUndefined();
    expect(String(dead[2]!.error)).toContain('does not match OrderCancelled version 1');
    const info = await b.jsm.consumers.info(b.stream, 'audit-service');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
    expect((await b.jsm.streams.info(b.stream)).state.messages).toBe(3); // kept in the stream
  });

  test('When a consumer is stopped and started again with the same durable name, then it resumes where it left: no event lost, none applied twice', async () => {
    const b = await broker();
    const db = await database();
    const publisher = b.publisher();
    const events = Array.from({ length: 8 }, (_, i) => envelope(created(i + 1)));
    for (const event of events.slice(0, 5)) await publisher.publish(event);

    const results: string[] = [];
    const handle = async (event: EventEnvelope) => {
      await sleep(20);
      results.push(await applyEffect(db, event));
    };
    const first = await b.consume({ durable: 'billing-service', types: ['OrderCreated'], handle });
    await until('2 effects', () => results.length >= 2);
    await first.stop();
    const before = results.length;
    expect(before).toBeLessThan(5);
    for (const event of events.slice(5)) await publisher.publish(event);

    const second = await b.consume({ durable: 'billing-service', types: ['OrderCreated'], handle });
    cleanups.push(() => second.stop());
    await until('8 effects', async () => (await db.selectFrom('effects').select('id').execute()).length === 8);
    await sleep(300);
    const effects = await db.selectFrom('effects').select('event_id').orderBy('id').execute();
    expect(effects.map((e) => e.event_id)).toEqual(events.map((e) => e.id));
    expect(results.filter((r) => r === 'applied')).toHaveLength(8);
    const info = await b.jsm.consumers.info(b.stream, 'billing-service');
    expect(info.num_pending + info.num_ack_pending).toBe(0);
  });
});
