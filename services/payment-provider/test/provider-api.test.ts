import type { App } from '@microshop/chassis';
import type { Charge, Problem, ProviderBehaviour, ProviderLedger } from '@microshop/contracts';
import { createTestDatabase, DIALECTS, listenOnFreePort, metricsText, request, testKeys, type TestDatabase } from '@microshop/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { ProviderTables } from '../src/data/tables.js';

const keys = testKeys();
/** Who may call a route: charges and refunds are the Payment service's, the ledger and the behaviour the gateway's. */
const callerOf = (path: string) => (path.startsWith('/v1/ledger') || path.startsWith('/v1/behaviour') ? 'gateway' : 'payment-service');
const AUTH = (path: string) => keys.headers(callerOf(path), 'payment-provider');
const RELIABLE: ProviderBehaviour = { decline_rate: 0, failure_rate: 0, latency_ms: 0 };
const START = Date.parse('2030-01-02T03:04:05.000Z');

describe.each(DIALECTS)('Payment provider on %s', (dialect) => {
  let testDb: TestDatabase<ProviderTables>;
  let app: App;
  let url: string;
  // The provider's clock, dice and sleep, all in the test's hands.
  let clock = START;
  let roll = 0.5;
  const slept: number[] = [];
  let duringLatency: (() => Promise<void>) | undefined;

  let references = 0;
  let orders = 0;
  const newReference = () => `payment-${++references}`;
  const newOrder = () => ++orders;

  const post = <T>(path: string, body: unknown, headers: Record<string, string> = AUTH(path)) => request<T>(url, 'POST', path, body, headers);
  const get = <T>(path: string, headers: Record<string, string> = AUTH(path)) => request<T>(url, 'GET', path, undefined, headers);
  const setBehaviour = (behaviour: Partial<ProviderBehaviour>) => request<ProviderBehaviour>(url, 'PUT', '/v1/behaviour', { ...RELIABLE, ...behaviour }, AUTH('/v1/behaviour'));
  const rowsOf = (reference: string) => testDb.database.db.selectFrom('charges').selectAll().where('reference', '=', reference).execute();
  const countRows = async () => (await testDb.database.db.selectFrom('charges').select('id').execute()).length;

  beforeAll(async () => {
    testDb = await createTestDatabase<ProviderTables>(dialect, migrations);
    app = await buildApp({
      database: testDb.database,
      logLevel: false,
      bodyLimit: 2048,
      identity: keys.identity('payment-provider'),
      now: () => new Date(clock),
      random: () => roll,
      sleep: async (ms) => {
        slept.push(ms);
        await duringLatency?.();
      },
    });
    url = await listenOnFreePort(app);
  });
  afterEach(async () => {
    await setBehaviour(RELIABLE);
    clock = START;
    roll = 0.5;
    slept.length = 0;
    duringLatency = undefined;
  });
  afterAll(async () => {
    await app.close();
    await testDb.drop();
  });

  describe('Charges', () => {
    test('When a new reference is charged, then 201 SUCCEEDED with a ch_ id and the row stored; sent again, 200 with the same charge and no new row', async () => {
      const reference = newReference();
      const order_id = newOrder();
      const first = await post<Charge>('/v1/charges', { reference, order_id, amount: 2999.97 });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ id: expect.stringMatching(/^ch_\d+$/), reference, order_id, amount: 2999.97, status: 'SUCCEEDED', created_at: new Date(START).toISOString() });
      expect(await rowsOf(reference)).toEqual([
        { id: Number(first.body.id.slice(3)), reference, order_id, amount_cents: 299_997, status: 'SUCCEEDED', decline_code: null, created_at: first.body.created_at, refunded_at: null },
      ]);

      clock += 60_000;
      const again = await post<Charge>('/v1/charges', { reference, order_id, amount: 2999.97 });
      expect(again).toMatchObject({ status: 200, body: first.body });
      expect(await rowsOf(reference)).toHaveLength(1);
      expect(await get(`/v1/charges/${reference}`)).toMatchObject({ status: 200, body: first.body });
    });

    test('When 20 requests charge one new reference at once, then one row is written, one answer is 201 and nineteen 200, all the same charge', async () => {
      const reference = newReference();
      const order_id = newOrder();
      const answers = await Promise.all(Array.from({ length: 20 }, () => post<Charge>('/v1/charges', { reference, order_id, amount: 12.5 })));
      expect(answers.map((a) => a.status).sort()).toEqual([...Array<number>(19).fill(200), 201]);
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
      const rows = await rowsOf(reference);
      expect(rows).toHaveLength(1);
      expect(answers[0]?.body.id).toBe(`ch_${rows[0]?.id}`);
    });

    test.each([
      ['another amount', { amount: 10.01 }],
      ['another order', { order_id: 999_999 }],
    ])('When a reference is sent again with %s, then 422 naming reference, and the charge is unchanged', async (_case, change) => {
      const reference = newReference();
      const original = { reference, order_id: newOrder(), amount: 10 };
      const first = await post<Charge>('/v1/charges', original);
      const { status, headers, body } = await post<Problem>('/v1/charges', { ...original, ...change });
      expect(status).toBe(422);
      expect(headers.get('content-type')).toContain('application/problem+json');
      expect(body).toMatchObject({ status: 422, field: 'reference' });
      expect(body.detail).toContain(first.body.id);
      expect(await rowsOf(reference)).toMatchObject([{ order_id: original.order_id, amount_cents: 1000, status: 'SUCCEEDED' }]);
    });

    test('When the provider declines every card, then 402 naming the charge and the row DECLINED card_declined; a replay is 402 with the same body, even once declines stop', async () => {
      await setBehaviour({ decline_rate: 1 });
      const reference = newReference();
      const charge = { reference, order_id: newOrder(), amount: 7 };
      const first = await post<Problem>('/v1/charges', charge);
      expect(first.status).toBe(402);
      expect(first.headers.get('content-type')).toContain('application/problem+json');
      const [row] = await rowsOf(reference);
      expect(row).toMatchObject({ status: 'DECLINED', decline_code: 'card_declined', amount_cents: 700 });
      expect(first.body).toMatchObject({ type: '/problems/card-declined', title: 'Card declined', status: 402, field: 'reference' });
      expect(first.body.detail).toContain(`ch_${row?.id}`);

      await setBehaviour(RELIABLE);
      const replay = await post<Problem>('/v1/charges', charge);
      expect(replay).toMatchObject({ status: 402, body: first.body });
      expect(await get(`/v1/charges/${reference}`)).toMatchObject({ status: 200, body: { id: `ch_${row?.id}`, status: 'DECLINED', decline_code: 'card_declined' } });
      expect(await rowsOf(reference)).toHaveLength(1);
    });

    test('When the roll is under decline_rate the card is declined, and over it charged', async () => {
      await setBehaviour({ decline_rate: 0.3 });
      roll = 0.29;
      expect((await post('/v1/charges', { reference: newReference(), order_id: newOrder(), amount: 1 })).status).toBe(402);
      roll = 0.3;
      expect((await post('/v1/charges', { reference: newReference(), order_id: newOrder(), amount: 1 })).status).toBe(201);
    });

    test('When the provider fails every request, then charges and refunds are 503 naming the provider, at once, and nothing is stored or changed', async () => {
      const charged = newReference();
      const order_id = newOrder();
      await post('/v1/charges', { reference: charged, order_id, amount: 5 });
      await setBehaviour({ failure_rate: 1, latency_ms: 1000 });
      const before = await countRows();

      const charge = await post<Problem>('/v1/charges', { reference: newReference(), order_id: newOrder(), amount: 5 });
      expect(charge).toMatchObject({ status: 503, body: { status: 503, service: 'payment-provider' } });
      expect(charge.headers.get('retry-after')).toBe('1');
      expect(await post('/v1/refunds', { reference: charged, order_id, amount: 5 })).toMatchObject({ status: 503 });
      expect(await post('/v1/refunds', { reference: newReference(), order_id: newOrder(), amount: 5 })).toMatchObject({ status: 503 });

      expect(await countRows()).toBe(before);
      expect(await rowsOf(charged)).toMatchObject([{ status: 'SUCCEEDED', refunded_at: null }]);
      expect(slept).toEqual([]);
    });

    test('When latency is set, then the charge is committed before the wait, and the answer comes only after it', async () => {
      await setBehaviour({ latency_ms: 250 });
      const reference = newReference();
      let wake = () => {};
      const asleep = new Promise<void>((resolve) => {
        duringLatency = () => {
          resolve();
          return new Promise<void>((done) => (wake = done));
        };
      });
      let answered = false;
      const answer = post<Charge>('/v1/charges', { reference, order_id: newOrder(), amount: 3 }).finally(() => (answered = true));

      await asleep;
      expect(slept).toEqual([250]);
      expect(await rowsOf(reference)).toMatchObject([{ status: 'SUCCEEDED' }]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(answered).toBe(false);

      wake();
      expect((await answer).status).toBe(201);
    });
  });

  describe('Refunds', () => {
    test('When a charge is refunded, then 200 REFUNDED with refunded_at; refunded again, the same charge', async () => {
      const reference = newReference();
      const order_id = newOrder();
      const charge = await post<Charge>('/v1/charges', { reference, order_id, amount: 42.1 });
      clock += 5000;
      const refund = await post<Charge>('/v1/refunds', { reference, order_id, amount: 42.1 });
      expect(refund).toMatchObject({ status: 200, body: { ...charge.body, status: 'REFUNDED', refunded_at: new Date(START + 5000).toISOString() } });
      expect(await rowsOf(reference)).toMatchObject([{ status: 'REFUNDED', refunded_at: refund.body.refunded_at }]);

      clock += 5000;
      expect(await post('/v1/refunds', { reference, order_id, amount: 42.1 })).toMatchObject({ status: 200, body: refund.body });
      expect(await post('/v1/charges', { reference, order_id, amount: 42.1 })).toMatchObject({ status: 200, body: refund.body });
    });

    test('When 10 refunds of one charge race, then every answer is the same REFUNDED charge', async () => {
      const reference = newReference();
      const order_id = newOrder();
      await post('/v1/charges', { reference, order_id, amount: 8 });
      const answers = await Promise.all(Array.from({ length: 10 }, () => post<Charge>('/v1/refunds', { reference, order_id, amount: 8 })));
      expect(answers.every((a) => a.status === 200 && a.body.status === 'REFUNDED')).toBe(true);
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    });

    test('When a declined charge is refunded, then 200 with the charge unchanged: nothing was taken', async () => {
      await setBehaviour({ decline_rate: 1 });
      const reference = newReference();
      const order_id = newOrder();
      await post('/v1/charges', { reference, order_id, amount: 9 });
      const { status, body } = await post<Charge>('/v1/refunds', { reference, order_id, amount: 9 });
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'DECLINED', decline_code: 'card_declined' });
      expect(body).not.toHaveProperty('refunded_at');
    });

    test('When a reference never charged is refunded, then it is VOIDED with its order and amount; a charge arriving later with it is 409 and takes nothing', async () => {
      const reference = newReference();
      const order_id = newOrder();
      const voided = await post<Charge>('/v1/refunds', { reference, order_id, amount: 19.99 });
      expect(voided).toMatchObject({ status: 200, body: { reference, order_id, amount: 19.99, status: 'VOIDED' } });
      expect(await post('/v1/refunds', { reference, order_id, amount: 19.99 })).toMatchObject({ status: 200, body: voided.body });

      const late = await post<Problem>('/v1/charges', { reference, order_id, amount: 19.99 });
      expect(late).toMatchObject({ status: 409, body: { status: 409, field: 'reference' } });
      expect(late.body.detail).toContain('voided');
      expect(await rowsOf(reference)).toMatchObject([{ status: 'VOIDED', amount_cents: 1999 }]);
    });

    test('When charges and refunds of one new reference race, then the customer keeps the money: one row, REFUNDED or VOIDED, net 0', async () => {
      const reference = newReference();
      const order_id = newOrder();
      const body = { reference, order_id, amount: 4.5 };
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post<Charge>(i % 2 === 0 ? '/v1/charges' : '/v1/refunds', body)));
      const rows = await rowsOf(reference);
      expect(rows).toHaveLength(1);
      expect(['REFUNDED', 'VOIDED']).toContain(rows[0]?.status);
      expect(answers.every((a) => [200, 201, 409].includes(a.status))).toBe(true);
      expect(await get(`/v1/ledger?order_id=${order_id}`)).toMatchObject({ status: 200, body: { net: 0 } });
    });

    test('When a refund names another amount than the charge, then 422 naming reference, and the charge is not refunded', async () => {
      const reference = newReference();
      const order_id = newOrder();
      await post('/v1/charges', { reference, order_id, amount: 30 });
      expect(await post('/v1/refunds', { reference, order_id, amount: 3 })).toMatchObject({ status: 422, body: { field: 'reference' } });
      expect(await rowsOf(reference)).toMatchObject([{ status: 'SUCCEEDED' }]);
    });
  });

  describe('Ledger', () => {
    test('When the ledger of some orders is read, then it sums what was taken and given back, in cents, and lists their charges newest first', async () => {
      const a = newOrder();
      const b = newOrder();
      const refunded = newReference();
      await post('/v1/charges', { reference: newReference(), order_id: a, amount: 10.5 });
      await post('/v1/charges', { reference: refunded, order_id: a, amount: 5.25 });
      await post('/v1/refunds', { reference: refunded, order_id: a, amount: 5.25 });
      await setBehaviour({ decline_rate: 1 });
      await post('/v1/charges', { reference: newReference(), order_id: a, amount: 7 });
      await setBehaviour(RELIABLE);
      await post('/v1/refunds', { reference: newReference(), order_id: a, amount: 3 });
      await post('/v1/charges', { reference: newReference(), order_id: b, amount: 0.1 });
      await post('/v1/charges', { reference: newReference(), order_id: b, amount: 0.2 });

      const one = await get<ProviderLedger>(`/v1/ledger?order_id=${a}`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ charged: 15.75, refunded: 5.25, net: 10.5 });
      expect(one.body.charges.map((c) => c.status)).toEqual(['VOIDED', 'DECLINED', 'REFUNDED', 'SUCCEEDED']);

      const both = await get<ProviderLedger>(`/v1/ledger?order_id=${a}&order_id=${b}&order_id=${a}`);
      expect(both.body).toMatchObject({ charged: 16.05, refunded: 5.25, net: 10.8 });
      expect(both.body.charges).toHaveLength(6);
      expect(both.body.charges.map((c) => Number(c.id.slice(3)))).toEqual([...both.body.charges.map((c) => Number(c.id.slice(3)))].sort((x, y) => y - x));

      expect(await get(`/v1/ledger?order_id=${newOrder()}`)).toMatchObject({ status: 200, body: { charged: 0, refunded: 0, net: 0, charges: [] } });
      expect(await get('/v1/ledger?order_id=x')).toMatchObject({ status: 400, body: { field: 'order_id.0' } });
    });

    test('When the whole ledger is read, then it lists every charge and its totals match the rows', async () => {
      await post('/v1/charges', { reference: newReference(), order_id: newOrder(), amount: 1 });
      const { status, body } = await get<ProviderLedger>('/v1/ledger');
      const rows = await testDb.database.db.selectFrom('charges').selectAll().execute();
      const sum = (statuses: string[]) => rows.filter((r) => statuses.includes(r.status)).reduce((cents, r) => cents + r.amount_cents, 0);
      expect(status).toBe(200);
      expect(body.charges).toHaveLength(rows.length);
      expect(body).toMatchObject({ charged: sum(['SUCCEEDED', 'REFUNDED']) / 100, refunded: sum(['REFUNDED']) / 100, net: sum(['SUCCEEDED']) / 100 });
    });
  });

  describe('Service tokens and validation', () => {
    test.each([
      ['POST', '/v1/charges', { reference: 'auth-1', order_id: 1, amount: 1 }],
      ['POST', '/v1/refunds', { reference: 'auth-2', order_id: 1, amount: 1 }],
      ['POST', '/v1/charges', { reference: 'not valid', amount: 0 }],
      ['GET', '/v1/charges/auth-1', undefined],
      ['GET', '/v1/ledger', undefined],
      ['GET', '/v1/behaviour', undefined],
      ['PUT', '/v1/behaviour', { decline_rate: 1, failure_rate: 1, latency_ms: 0 }],
    ])("When %s %s comes without a token, or one forged, expired or for another service, then 401; with another service's valid token, 403; and nothing is stored or changed", async (method, path, body) => {
      const before = await countRows();
      const caller = callerOf(path);
      expect(await request<Problem>(url, method, path, body)).toMatchObject({ status: 401, body: { status: 401, field: 'x-service-token' } });
      for (const token of ['x'.repeat(40), testKeys().token(caller, 'payment-provider'), keys.token(caller, 'payment-provider', { ageS: 120 }), keys.token(caller, 'payment-service')]) {
        expect(await request<Problem>(url, method, path, body, { 'x-service-token': token })).toMatchObject({ status: 401, body: { status: 401, field: 'x-service-token' } });
      }
      for (const other of ['payment-service', 'gateway', 'order-service'].filter((principal) => principal !== caller)) {
        expect(await request<Problem>(url, method, path, body, keys.headers(other, 'payment-provider'))).toMatchObject({ status: 403, body: { status: 403, field: 'x-service-token' } });
      }
      expect(await countRows()).toBe(before);
      expect((await get('/v1/behaviour')).body).toEqual(RELIABLE);
    });

    test.each([
      ['a reference with a space', { reference: 'payment 1', order_id: 1, amount: 1 }, 'reference'],
      ['an empty reference', { reference: '', order_id: 1, amount: 1 }, 'reference'],
      ['a reference over 64 characters', { reference: 'r'.repeat(65), order_id: 1, amount: 1 }, 'reference'],
      ['an amount of 0', { reference: 'bad-1', order_id: 1, amount: 0 }, 'amount'],
      ['a negative amount', { reference: 'bad-2', order_id: 1, amount: -5 }, 'amount'],
      ['an amount with three decimals', { reference: 'bad-3', order_id: 1, amount: 1.234 }, 'amount'],
      ['an amount as text', { reference: 'bad-4', order_id: 1, amount: '10' }, 'amount'],
      ['no order_id', { reference: 'bad-5', amount: 1 }, 'order_id'],
      ['an order_id of 0', { reference: 'bad-6', order_id: 0, amount: 1 }, 'order_id'],
      ['an unknown field', { reference: 'bad-7', order_id: 1, amount: 1, currency: 'EUR' }, 'currency'],
    ])('When a charge or refund has %s, then 400 naming the field, and nothing is stored', async (_case, payload, field) => {
      const before = await countRows();
      for (const path of ['/v1/charges', '/v1/refunds']) {
        const { status, body } = await post<Problem>(path, payload);
        expect(status).toBe(400);
        expect(body.field).toBe(field);
      }
      expect(await countRows()).toBe(before);
    });

    test('When a charge is asked for by reference, then an unknown one is 404 naming reference, a malformed one 400', async () => {
      expect(await get('/v1/charges/never-seen')).toMatchObject({ status: 404, body: { status: 404, field: 'reference' } });
      expect(await get('/v1/charges/not%20valid')).toMatchObject({ status: 400, body: { field: 'reference' } });
    });
  });

  describe('Behaviour', () => {
    test('When the behaviour is set, then it is answered and kept; a rate over 1, a fractional or negative latency, a missing or unknown field is 400 naming it and changes nothing', async () => {
      expect(await get('/v1/behaviour')).toMatchObject({ status: 200, body: RELIABLE });
      const slow = { decline_rate: 0.25, failure_rate: 0.1, latency_ms: 1500 };
      expect(await request(url, 'PUT', '/v1/behaviour', slow, AUTH('/v1/behaviour'))).toMatchObject({ status: 200, body: slow });
      expect(await get('/v1/behaviour')).toMatchObject({ status: 200, body: slow });

      for (const [change, field] of [
        [{ decline_rate: 2 }, 'decline_rate'],
        [{ failure_rate: -0.1 }, 'failure_rate'],
        [{ latency_ms: 1.5 }, 'latency_ms'],
        [{ latency_ms: 30_001 }, 'latency_ms'],
        [{ latency_ms: undefined }, 'latency_ms'],
        [{ mood: 'grumpy' }, 'mood'],
      ] as const) {
        const { status, body } = await request<Problem>(url, 'PUT', '/v1/behaviour', { ...slow, ...change }, AUTH('/v1/behaviour'));
        expect(status, field).toBe(400);
        expect(body.field).toBe(field);
      }
      expect((await get('/v1/behaviour')).body).toEqual(slow);
    });
  });

  test('When health and metrics are asked, then they answer without the credential: ok with the database check, and the requests counted by route', async () => {
    expect(await request(url, 'GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok', service: 'payment-provider', checks: { database: 'ok' } } });
    expect(await metricsText(url)).toMatch(/microshop_http_server_requests_total\{[^}]*route="\/v1\/charges"/);
  });
});

describe('Payment provider with the real clock and timers', () => {
  test('When it starts with a latency, then a charge is answered no sooner than that', async () => {
    const testDb = await createTestDatabase<ProviderTables>('sqlite', migrations);
    const app = await buildApp({ database: testDb.database, logLevel: false, identity: keys.identity('payment-provider'), behaviour: { ...RELIABLE, latency_ms: 200 } });
    try {
      const started = performance.now();
      const { statusCode } = await app.inject({ method: 'POST', url: '/v1/charges', headers: AUTH('/v1/charges'), payload: { reference: 'slow-1', order_id: 1, amount: 1 } });
      expect(statusCode).toBe(201);
      expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    } finally {
      await app.close();
      await testDb.drop();
    }
  });
});
