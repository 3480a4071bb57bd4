import { randomUUID } from 'node:crypto';
import { resilienceOf, type App } from '@microshop/chassis';
import type { EventEnvelope, Payment, PaymentSaga } from '@microshop/contracts';
import { createTestDatabase, listenOnFreePort, request, testKeys, type DIALECTS, type JsonResponse, type TestDatabase } from '@microshop/testkit';
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { buildApp, type PaymentAppOptions } from '../src/app.js';
import type { SagaSettings } from '../src/domain/deps.js';
import { migrations } from '../src/data/migrations.js';
import type { NewPaymentRow, PaymentRow, PaymentTables } from '../src/data/tables.js';
import { startFakeOrders, type FakeOrders } from './fake-orders.js';
import { startFakeProvider, type FakeProvider } from './fake-provider.js';

/** The key set of the Payment tests: the app is `payment-service`, its fakes check its tokens with their own keys. */
export const keys = testKeys();
/** The Payment service instance under test: its leases are `payment-test/<boot>/<n>`. */
export const INSTANCE_ID = 'payment-test';
/** Another instance, never run here: a saga it leases is left alone until the lease runs out. */
export const OTHER_INSTANCE = 'payment-elsewhere';
/** Budget of one call to the Order service. */
export const CALL_TIMEOUT_MS = 300;
/** Budget of one call to the provider: longer than the saga's budget, as in production (4 s against 1.5 s). */
export const PROVIDER_TIMEOUT_MS = 2000;
/**
 * The saga, small: answer within 1 s, three attempts per step, backoff 20 ms doubling up to 100 ms.
 * The lease outlasts the longest step (a provider call), as in production (5 s against 4 s), so no
 * runner's saga is taken over while it still runs.
 */
export const SAGA: SagaSettings = { budgetMs: 1000, maxAttempts: 3, baseBackoffMs: 20, maxBackoffMs: 100, leaseMs: 3000 };
export const SAGA_POLL_MS = 25;
/** The saga's jitter, fixed: a wait is 3/4 of its ceiling (15 ms, then 30 ms, 60 ms, …). */
const RANDOM = () => 0.5;

/** The Payment service under test, listening, with its two neighbours faked. */
export interface PaymentService {
  app: App;
  url: string;
  orders: FakeOrders;
  provider: FakeProvider;
  close(): Promise<void>;
}

export interface StartOptions extends Partial<Omit<PaymentAppOptions, 'database'>> {
  /**
   * The chassis client retries a failed call up to 3 times before its caller sees the failure.
   * Off: every failure reaches the saga, one request per saga attempt, so the counts are exact.
   */
  clientRetries?: boolean;
  /** Orders the Order fake holds before the app starts (for sagas the app resumes as soon as it starts). */
  withOrders?: Parameters<FakeOrders['add']>[0][];
}

/** Starts both fakes and the app over `testDb`, with the small saga settings above. */
export async function startPaymentService(testDb: TestDatabase<PaymentTables>, { clientRetries = true, withOrders = [], ...options }: StartOptions = {}): Promise<PaymentService> {
  const orders = await startFakeOrders(keys);
  for (const order of withOrders) orders.add(order);
  const provider = await startFakeProvider(keys);
  const app = await buildApp({
    database: testDb.database,
    orderService: orders.url,
    provider: provider.url,
    identity: keys.identity('payment-service'),
    timeoutMs: CALL_TIMEOUT_MS,
    providerTimeoutMs: PROVIDER_TIMEOUT_MS,
    saga: SAGA,
    sagaPollMs: SAGA_POLL_MS,
    instanceId: INSTANCE_ID,
    random: RANDOM,
    logLevel: false,
    ...options,
  });
  if (!clientRetries) resilienceOf(app)?.setSwitches({ retries: false });
  const url = await listenOnFreePort(app);
  return {
    app,
    url,
    orders,
    provider,
    close: async () => {
      await app.close();
      await orders.close();
      await provider.close();
    },
  };
}

export const pay = <T = Payment>(url: string, body: unknown): Promise<JsonResponse<T>> => request<T>(url, 'POST', '/api/payments', body);

/** The payment's saga: the payment and every entry of its log. */
export async function sagaOf(url: string, paymentId: number): Promise<PaymentSaga> {
  const { status, body } = await request<PaymentSaga>(url, 'GET', `/api/payments/${paymentId}/saga`);
  expect(status).toBe(200);
  return body;
}

/** `[step, outcome]` of each entry of the payment's saga log, oldest first. */
export const stepsOf = async (url: string, paymentId: number): Promise<[string, string][]> => (await sagaOf(url, paymentId)).entries.map((e) => [e.step, e.outcome]);

/** Polls `GET /api/payments/:id` (as a client would after a 202) until the payment is no longer PENDING. */
export async function settled(url: string, paymentId: number, timeout = 5000): Promise<Payment> {
  await expect.poll(async () => (await request<Payment>(url, 'GET', `/api/payments/${paymentId}`)).body.status, { timeout, interval: 20 }).not.toBe('PENDING');
  return (await request<Payment>(url, 'GET', `/api/payments/${paymentId}`)).body;
}

export const paymentRows = (db: Kysely<PaymentTables>, orderId: number): Promise<PaymentRow[]> =>
  db.selectFrom('payments').selectAll().where('order_id', '=', orderId).orderBy('id').execute();

export const countPayments = async (db: Kysely<PaymentTables>): Promise<number> =>
  Number((await db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

/** The events the payment recorded in the outbox, as `[type, data]`. */
export async function eventsOf(db: Kysely<PaymentTables>, paymentId: number): Promise<[string, unknown][]> {
  const rows = await db.selectFrom('outbox').select(['type', 'envelope']).where('subject', '=', `payment/${paymentId}`).orderBy('id').execute();
  return rows.map((row) => [row.type, (JSON.parse(row.envelope) as EventEnvelope).data]);
}

/**
 * Sagas this instance could still be running: PENDING and not leased by another instance. Every
 * test leaves none, so that no saga runs on into the next test (against its fakes).
 */
export const sagasLeftRunning = (db: Kysely<PaymentTables>): Promise<PaymentRow[]> =>
  db
    .selectFrom('payments')
    .selectAll()
    .where('status', '=', 'PENDING')
    .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', 'not like', `${OTHER_INSTANCE}/%`)]))
    .execute();

/** A saga another instance is running (its lease ends in an hour): what a PENDING row written by a test stands for. */
export const RUNNING_ELSEWHERE = { step: 'charge', lease_owner: `${OTHER_INSTANCE}/boot/1`, lease_until: Date.now() + 3_600_000 } as const;

/** Writes a payment row directly, as another process or an earlier version left it; the saga columns are a final payment's unless given. */
export async function seedPayment(db: Kysely<PaymentTables>, row: Pick<NewPaymentRow, 'order_id' | 'amount_cents' | 'status'> & Partial<NewPaymentRow>): Promise<PaymentRow> {
  const at = '2024-05-01T10:00:00.000Z';
  return db
    .insertInto('payments')
    .values({ created_at: at, updated_at: at, step: null, reason: null, charge_id: null, attempts: 0, next_attempt_at: 0, lease_until: 0, lease_owner: null, order_cancelled: 0, ...row })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The envelope the Order service publishes when an order is cancelled. */
export const orderCancelled = (orderId: number, reason = 'cancelled'): EventEnvelope => ({
  id: randomUUID(),
  type: 'OrderCancelled',
  version: 1,
  source: 'order-service',
  subject: `order/${orderId}`,
  occurred_at: new Date().toISOString(),
  data: { order_id: orderId, reason },
});

/** Delivers an event to `POST /internal/events` as a publisher's relay does: the whole envelope, with the publisher's (the Order service's) token. */
export const deliver = (url: string, envelope: EventEnvelope, headers: Record<string, string> = keys.headers(envelope.source, 'payment-service')): Promise<JsonResponse<{ result: string }>> =>
  request(url, 'POST', '/internal/events', envelope, headers);

/**
 * The lifecycle every Payment test file shares, for one dialect: a fresh database for the file, a
 * fresh service per test (`start`), closed after it, and a check that it left no saga running.
 * Call it at the top of a `describe.each(DIALECTS)` body.
 */
export function usePaymentService(dialect: (typeof DIALECTS)[number]): { start(options?: StartOptions): Promise<PaymentService>; stop(): Promise<void>; db(): Kysely<PaymentTables> } {
  let testDb: TestDatabase<PaymentTables>;
  let service: PaymentService | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase<PaymentTables>(dialect, migrations);
  });
  afterAll(async () => {
    await testDb.drop();
  });
  const stop = async () => {
    await service?.close();
    service = undefined;
  };
  afterEach(async () => {
    await stop();
    expect(await sagasLeftRunning(testDb.database.db)).toEqual([]);
  });
  return {
    start: async (options = {}) => (service = await startPaymentService(testDb, options)),
    stop,
    db: () => testDb.database.db,
  };
}
