import type { App } from '@microshop/chassis';
import { SERVICE_TOKEN_HEADER, type Order, type OrderStatus, type Problem } from '@microshop/contracts';
import { createTestDatabase, DIALECTS, listenOnFreePort, request, startFakeService, testKeys, type FakeService, type TestDatabase } from '@microshop/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../src/app.js';
import { migrations } from '../src/data/migrations.js';
import type { OrderTables } from '../src/data/tables.js';

const CALL_TIMEOUT_MS = 300;
const SEEDED_AT = '2024-05-01T10:00:00.000Z';
const keys = testKeys();
/** The one caller the status endpoint takes: the Payment service, with its token for the Order service. */
const withToken = () => keys.headers('payment-service', 'order-service');

describe.each(DIALECTS)('Order status endpoint on %s', (dialect) => {
  let testDb: TestDatabase<OrderTables>;
  let users: FakeService;
  let products: FakeService;
  let app: App;
  let url: string;

  const findRow = (id: number) => testDb.database.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const seedOrder = (status: OrderStatus) =>
    testDb.database.db
      .insertInto('orders')
      .values({ user_id: 1, product_id: 2, quantity: 3, total_cents: 299997, status, created_at: SEEDED_AT, updated_at: SEEDED_AT })
      .returningAll()
      .executeTakeFirstOrThrow();
  const setStatus = <T = Order>(id: number | string, body: unknown, headers: Record<string, string> = withToken()) =>
    request<T>(url, 'PUT', `/api/orders/${id}/status`, body, headers);

  beforeAll(async () => {
    testDb = await createTestDatabase<OrderTables>(dialect, migrations);
    users = await startFakeService();
    products = await startFakeService();
    app = await buildApp({
      database: testDb.database,
      identity: keys.identity('order-service'),
      userService: users.url,
      productService: products.url,
      timeoutMs: CALL_TIMEOUT_MS,
      logLevel: false,
    });
    url = await listenOnFreePort(app);
  });
  afterEach(() => {
    // The status endpoint is the Order service's own business: it never asks a neighbour.
    expect(users.calls).toEqual([]);
    expect(products.calls).toEqual([]);
  });
  afterAll(async () => {
    await app.close();
    await users.close();
    await products.close();
    await testDb.drop();
  });

  test.each([
    ['no token', 401, () => ({})],
    ['an empty token', 401, () => ({ [SERVICE_TOKEN_HEADER]: '' })],
    ['a token that is not one', 401, () => ({ [SERVICE_TOKEN_HEADER]: 'order-status-test-service-tokeX' })],
    ["the Payment service's token signed with a key the service does not know", 401, () => testKeys().headers('payment-service', 'order-service')],
    ["the Payment service's token with its signature altered", 401, () => ({ [SERVICE_TOKEN_HEADER]: `${keys.token('payment-service', 'order-service').slice(0, -4)}AAAA` })],
    ["the Payment service's expired token", 401, () => ({ [SERVICE_TOKEN_HEADER]: keys.token('payment-service', 'order-service', { ageS: 120 }) })],
    ["the Payment service's token for another service", 401, () => keys.headers('payment-service', 'product-service')],
    ["the Payment service's token signed for longer than allowed", 401, () => ({ [SERVICE_TOKEN_HEADER]: keys.token('payment-service', 'order-service', { lifetimeS: 3600 }) })],
    ["the gateway's valid token", 403, () => keys.headers('gateway', 'order-service')],
    ["the Order service's own valid token", 403, () => keys.headers('order-service', 'order-service')],
    ["the Product service's valid token", 403, () => keys.headers('product-service', 'order-service')],
    ['the token in another header', 401, () => ({ authorization: `Bearer ${keys.token('payment-service', 'order-service')}` })],
  ])('When an order is set PAID with %s, then %d naming the header, and the order is unchanged', async (_case, expected, headers) => {
    const before = await seedOrder('PENDING');
    const { status, headers: responseHeaders, body } = await setStatus<Problem>(before.id, { status: 'PAID' }, headers());
    expect(status).toBe(expected);
    expect(responseHeaders.get('content-type')).toContain('application/problem+json');
    expect(body).toMatchObject({ status: expected, field: SERVICE_TOKEN_HEADER });
    expect(await findRow(before.id)).toEqual(before);
  });

  test('When an unknown order is set PAID without a token, then 401, not 404', async () => {
    const { status } = await setStatus(999999, { status: 'PAID' }, {});
    expect(status).toBe(401);
  });

  test("When the endpoint is called without a token (or with another service's) and with a bad body or id, then 401 (403): the caller is checked before the input", async () => {
    const order = await seedOrder('PENDING');
    expect(await setStatus(order.id, { status: 'SHIPPED' }, {})).toMatchObject({ status: 401, body: { field: SERVICE_TOKEN_HEADER } });
    expect(await setStatus('abc', { status: 'PAID' }, {})).toMatchObject({ status: 401, body: { field: SERVICE_TOKEN_HEADER } });
    expect(await setStatus(order.id, { status: 'PAID' }, { [SERVICE_TOKEN_HEADER]: 'wrong' })).toMatchObject({ status: 401 });
    expect(await setStatus(order.id, { status: 'SHIPPED' }, keys.headers('gateway', 'order-service'))).toMatchObject({ status: 403, body: { field: SERVICE_TOKEN_HEADER } });
    expect(await findRow(order.id)).toEqual(order);
  });

  test.each([
    ['PENDING', 'PAID'],
    ['PENDING', 'CANCELLED'],
  ] as const)('When a %s order is set %s with the Payment service token, then 200 with the moved order, stored', async (from, to) => {
    const before = await seedOrder(from);
    const { status, headers, body } = await setStatus(before.id, { status: to });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('application/json');
    // A cancellation says why: `cancelled` unless the caller gives another reason.
    const reason = to === 'CANCELLED' ? { cancel_reason: 'cancelled' } : {};
    expect(body).toEqual({ id: before.id, user_id: 1, product_id: 2, quantity: 3, total: 2999.97, status: to, created_at: SEEDED_AT, ...reason });
    const after = await findRow(before.id);
    expect(after).toEqual({ ...before, status: to, updated_at: after.updated_at, ...reason });
    expect(after.updated_at > SEEDED_AT).toBe(true);
  });

  test.each([['PENDING'], ['PAID'], ['CANCELLED']] as const)('When a %s order is set to the status it has, then 200 and nothing changes', async (current) => {
    const before = await seedOrder(current);
    const { status, body } = await setStatus(before.id, { status: current });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: before.id, status: current });
    expect(await findRow(before.id)).toEqual(before);
  });

  test.each([
    ['PAID', 'CANCELLED'],
    ['PAID', 'PENDING'],
    ['CANCELLED', 'PAID'],
    ['CANCELLED', 'PENDING'],
  ] as const)('When a %s order is set %s, then 409 naming status, and the order is unchanged', async (from, to) => {
    const before = await seedOrder(from);
    const { status, headers, body } = await setStatus<Problem>(before.id, { status: to });
    expect(status).toBe(409);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body).toMatchObject({ status: 409, field: 'status' });
    expect(body.detail).toContain(from);
    expect(await findRow(before.id)).toEqual(before);
  });

  test.each([
    ['an unknown status', { status: 'SHIPPED' }, 'status'],
    ['a status in lower case', { status: 'paid' }, 'status'],
    ['no status', {}, 'status'],
    ['a status that is not text', { status: 1 }, 'status'],
    ['an unknown field', { status: 'PAID', total: 0.01 }, 'total'],
  ])('When the body has %s, then 400 naming %s, and the order is unchanged', async (_case, payload, field) => {
    const before = await seedOrder('PENDING');
    const { status, headers, body } = await setStatus<Problem>(before.id, payload);
    expect(status).toBe(400);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body.field).toBe(field);
    expect(await findRow(before.id)).toEqual(before);
  });

  test('When an unknown order is set PAID, then 404', async () => {
    const { status, headers, body } = await setStatus<Problem>(999999, { status: 'PAID' });
    expect(status).toBe(404);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body.detail).toContain('999999');
  });

  test('When the order id is not a positive integer, then 400 naming id', async () => {
    expect(await setStatus('abc', { status: 'PAID' })).toMatchObject({ status: 400, body: { field: 'id' } });
    expect(await setStatus(0, { status: 'PAID' })).toMatchObject({ status: 400, body: { field: 'id' } });
  });

  test('When 20 requests race to set one PENDING order PAID or CANCELLED, then it ends in exactly one of them and every answer agrees', async () => {
    for (let round = 0; round < 5; round += 1) {
      const before = await seedOrder('PENDING');
      const wanted: OrderStatus[] = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'PAID' : 'CANCELLED'));
      const answers = await Promise.all(wanted.map((to) => setStatus(before.id, { status: to })));

      const after = await findRow(before.id);
      expect(['PAID', 'CANCELLED']).toContain(after.status);
      answers.forEach((answer, i) => {
        if (wanted[i] === after.status) expect(answer).toMatchObject({ status: 200, body: { id: before.id, status: after.status } });
        else expect(answer).toMatchObject({ status: 409, body: { field: 'status' } });
      });
      expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(10);
    }
  });
});
