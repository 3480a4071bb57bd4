import type { EventEnvelope } from '@microshop/contracts';
import { createTestDatabase, DIALECTS, listenOnFreePort, testKeys, type TestDatabase } from '@microshop/testkit';
import type { Generated } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { createTableWithId } from '../src/schema.js';
import { applyOnce, createHttpPublisher, createOutboxRelay, eventsMigration, notifyOutbox, recordEvents, registerEventReceiver, type EventPublisher, type EventTables } from '../src/events/index.js';
import { currentDeadline, runWithDeadline } from '../src/resilience/deadline.js';
import { createServer } from '../src/server.js';
import { createServiceClient } from '../src/service-client.js';
import { sourceIdentity } from './support/identity.js';

interface Tables extends EventTables {
  things: { id: Generated<number>; name: string };
  /** What a consumer did: one row per applied event. */
  effects: { id: Generated<number>; event_id: string };
}

const migrations = {
  '0001-things': async (db: Parameters<typeof eventsMigration>[0], dialect: Parameters<typeof eventsMigration>[1]) => {
    await createTableWithId(db, 'things', dialect).addColumn('name', 'text', (c) => c.notNull()).execute();
    await createTableWithId(db, 'effects', dialect).addColumn('event_id', 'text', (c) => c.notNull()).execute();
  },
  '0002-events': eventsMigration,
};

// The producer is the Order service, the subscriber the Product service: each signs with its own key.
const keys = testKeys();
const dbs: TestDatabase<Tables>[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  for (const db of dbs.splice(0)) await db.drop();
});

async function database(dialect: (typeof DIALECTS)[number]) {
  const testDb = await createTestDatabase<Tables>(dialect, migrations);
  dbs.push(testDb);
  return testDb.database.db;
}

/** A publisher that records what it got, failing while `failing` says so. */
function recordingPublisher(failing: (event: EventEnvelope) => boolean = () => false): EventPublisher & { got: EventEnvelope[] } {
  const got: EventEnvelope[] = [];
  return {
    got,
    async publish(event) {
      if (failing(event)) throw new Error(`refused ${event.id}`);
      got.push(event);
    },
    close: async () => undefined,
  };
}

const created = (id: number) => ({ type: 'OrderCreated' as const, subject: `order/${id}`, data: { order_id: id, user_id: 1, product_id: 2, quantity: 3, total: 2999.97 } });

describe.each(DIALECTS)('Outbox, relay and inbox on %s', (dialect) => {
  test('C2: when the transaction throws after the business write, then neither the row nor its event exists; when it commits, both do', async () => {
    const db = await database(dialect);
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('things').values({ name: 'lost' }).execute();
        await recordEvents(trx, 'order-service', [created(1)]);
        throw new Error('boom after the write');
      }),
    ).rejects.toThrow('boom');
    expect(await db.selectFrom('things').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('outbox').selectAll().execute()).toEqual([]);
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('things').values({ name: 'kept' }).execute();
      await recordEvents(trx, 'order-service', [created(2)]);
    });
    expect(await db.selectFrom('outbox').select(['type', 'subject', 'state']).execute()).toEqual([{ type: 'OrderCreated', subject: 'order/2', state: 'pending' }]);
  });

  test('When the relay passes, then it publishes the pending events in the order they were recorded and marks them published', async () => {
    const db = await database(dialect);
    let clock = 1000;
    for (const id of [1, 2, 3]) await recordEvents(db, 'order-service', [created(id)], () => clock++);
    const publisher = recordingPublisher();
    const relay = createOutboxRelay({ db, publisher, now: () => clock });
    expect(await relay.backlog()).toMatchObject({ pending: 3, dead: 0 });
    expect(await relay.pass()).toBe(3);
    expect(publisher.got.map((e) => e.subject)).toEqual(['order/1', 'order/2', 'order/3']);
    expect(await relay.pass()).toBe(0);
    expect(await relay.backlog()).toEqual({ pending: 0, dead: 0, oldest_pending_ms: 0 });
    expect(publisher.got[0]).toMatchObject({ type: 'OrderCreated', version: 1, source: 'order-service', data: { order_id: 1, total: 2999.97 } });
  });

  test('When publishing fails, then the event is retried with doubling waits, holds back later events of its subject only, and becomes a dead letter after the last attempt', async () => {
    const db = await database(dialect);
    let clock = 10_000;
    await recordEvents(db, 'order-service', [created(1), { ...created(1), type: 'OrderPaid', data: { order_id: 1, payment_id: 9 } }, created(2)], () => clock);
    const publisher = recordingPublisher((e) => e.subject === 'order/1' && e.type === 'OrderCreated');
    const relay = createOutboxRelay({ db, publisher, now: () => clock, maxAttempts: 3, baseBackoffMs: 100 });
    expect(await relay.pass()).toBe(1);
    expect(publisher.got.map((e) => e.subject)).toEqual(['order/2']);
    expect(await relay.pass()).toBe(0); // not due yet
    clock += 100;
    await relay.pass();
    const row = await db.selectFrom('outbox').select(['attempts', 'next_attempt_at', 'state']).where('type', '=', 'OrderCreated').where('subject', '=', 'order/1').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 2, state: 'pending', next_attempt_at: clock + 200 });
    clock += 200;
    await relay.pass();
    expect(await relay.backlog()).toMatchObject({ pending: 1, dead: 1 });
    const dead = await db.selectFrom('outbox').select(['event_id', 'last_error']).where('state', '=', 'dead').executeTakeFirstOrThrow();
    expect(dead.last_error).toContain('refused');
    // The dead letter is retried by hand once the cause is fixed; the event held back behind it follows.
    const fixed = recordingPublisher();
    const again = createOutboxRelay({ db, publisher: fixed, now: () => clock });
    expect(await again.pass()).toBe(1); // OrderPaid: its subject is no longer blocked by a pending event
    expect(await again.retry(dead.event_id)).toBe(true);
    expect(await again.retry(dead.event_id)).toBe(false);
    expect(await again.pass()).toBe(1);
    expect(await again.backlog()).toMatchObject({ pending: 0, dead: 0 });
  });

  test('When a commit inside a request wakes the relay, then it publishes at once, outside that request: its deadline does not follow the relay', async () => {
    const db = await database(dialect);
    const deadlines: (number | undefined)[] = [];
    const publisher: EventPublisher = {
      publish: async () => void deadlines.push(currentDeadline()),
      close: async () => undefined,
    };
    // A poll far away: only the wake-up can publish within the test.
    const relay = createOutboxRelay({ db, publisher, pollMs: 60_000 });
    relay.start();
    closers.push(() => relay.stop());
    await expect.poll(() => relay.backlog().then((b) => b.pending), { timeout: 2000 }).toBe(0);
    // A request whose budget is already spent commits an event, then wakes the relay.
    await runWithDeadline(Date.now() - 1, async () => {
      await db.transaction().execute((trx) => recordEvents(trx, 'things', [{ type: 'OrderCancelled', subject: 'order/1', data: { order_id: 1, reason: 'cancelled' } }]));
      notifyOutbox(db);
    });
    await expect.poll(() => deadlines.length, { timeout: 2000, interval: 10 }).toBe(1);
    expect(deadlines).toEqual([undefined]);
  });

  test('C1: when the same event is delivered several times (a relay died between publishing and marking), then its effect is applied once', async () => {
    const db = await database(dialect);
    const [event] = await recordEvents(db, 'order-service', [created(7)]);
    const apply = (trx: Parameters<Parameters<typeof applyOnce<Tables>>[2]>[0]) => trx.insertInto('effects').values({ event_id: event!.id }).execute().then(() => undefined);
    const results = await Promise.all(Array.from({ length: 5 }, () => applyOnce(db, event!, apply)));
    results.push(await applyOnce(db, event!, apply));
    expect(results.filter((r) => r === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(5);
    expect(await db.selectFrom('effects').selectAll().execute()).toHaveLength(1);
  });

  test('When applying an event fails, then neither its effect nor its inbox entry stays, and a redelivery applies it', async () => {
    const db = await database(dialect);
    const [event] = await recordEvents(db, 'order-service', [created(8)]);
    await expect(
      applyOnce(db, event!, async (trx) => {
        await trx.insertInto('effects').values({ event_id: event!.id }).execute();
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await db.selectFrom('inbox').selectAll().execute()).toEqual([]);
    expect(await applyOnce(db, event!, (trx) => trx.insertInto('effects').values({ event_id: event!.id }).execute().then(() => undefined))).toBe('applied');
    expect(await db.selectFrom('effects').selectAll().execute()).toHaveLength(1);
  });
});

describe('Events over HTTP (the embedded transport)', () => {
  test('When the relay publishes to a subscriber over HTTP, then the subscriber applies each event once, even delivered again, and refuses what it does not consume', async () => {
    const producerDb = await database('sqlite');
    const consumerDb = await database('sqlite');
    const consumerIdentity = sourceIdentity(keys, 'product-service');
    const consumer = await createServer({ name: 'product-service', logLevel: false, docs: false, identity: consumerIdentity });
    registerEventReceiver(consumer, {
      db: consumerDb,
      identity: consumerIdentity,
      handlers: { OrderCreated: async (event, trx) => void (await trx.insertInto('effects').values({ event_id: event.id }).execute()) },
    });
    const url = await listenOnFreePort(consumer);
    closers.push(() => consumer.close());
    const client = createServiceClient({ service: 'product-service', baseUrl: url, timeoutMs: 2000 });
    closers.push(() => client.close());
    const publisher = createHttpPublisher({ subscribers: { OrderCreated: ['product-service'] }, clientOf: () => client, identity: keys.identity('order-service') });

    const [event] = await recordEvents(producerDb, 'order-service', [created(1), created(2)]);
    const relay = createOutboxRelay({ db: producerDb, publisher });
    expect(await relay.pass()).toBe(2);
    await publisher.publish(event!); // delivered again
    expect(await consumerDb.selectFrom('effects').select('event_id').orderBy('id').execute()).toHaveLength(2);

    const post = (body: unknown, token = keys.token('order-service', 'product-service')) =>
      fetch(`${url}/internal/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-service-token': token }, body: JSON.stringify(body) });
    expect((await post({ ...event!, id: 'other-1', type: 'PaymentRefunded' })).status).toBe(422);
    expect((await post({ ...event!, id: 'other-2', data: { order_id: 'x' } })).status).toBe(422);
    // A token that is not valid for the subscriber: 401; a valid one of a service that is not the event's source: 403.
    expect((await post(event!, 'not-a-token')).status).toBe(401);
    expect((await post(event!, testKeys().token('order-service', 'product-service'))).status).toBe(401);
    expect((await post(event!, keys.token('order-service', 'payment-service'))).status).toBe(401);
    expect((await post(event!, keys.token('payment-service', 'product-service'))).status).toBe(403);
    expect(await (await post(event!)).json()).toEqual({ result: 'duplicate' });
  });

  test('When a subscriber is down, then publishing fails and the event stays pending for the next pass', async () => {
    const producerDb = await database('sqlite');
    const client = createServiceClient({ service: 'product-service', baseUrl: 'http://127.0.0.1:9', timeoutMs: 300 });
    closers.push(() => client.close());
    const publisher = createHttpPublisher({ subscribers: { OrderCreated: ['product-service'] }, clientOf: () => client, identity: keys.identity('order-service') });
    await recordEvents(producerDb, 'order-service', [created(1)]);
    const relay = createOutboxRelay({ db: producerDb, publisher, baseBackoffMs: 10 });
    expect(await relay.pass()).toBe(0);
    expect(await relay.backlog()).toMatchObject({ pending: 1, dead: 0 });
  });
});
