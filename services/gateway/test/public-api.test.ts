import type { BackendName, Problem } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { keys, rawRequest, startGateway, type GatewayHarness } from './gateway-harness.js';

interface ForwardCase {
  method: 'GET' | 'POST';
  /** What the client asks the gateway for. */
  path: string;
  body?: unknown;
  service: BackendName;
  /** The route pattern the fake serves, and the path and query it must receive. */
  pattern: string;
  upstreamPath: string;
  upstreamQuery: string;
  answer: { status: number; body: unknown; headers?: Record<string, string> };
}

const user = { id: 7, name: 'Ann Lee', email: 'ann@example.com', created_at: '2026-01-01T00:00:00.000Z' };
const product = { id: 2, name: 'Laptop', price: 999.99, description: null, created_at: '2026-01-01T00:00:00.000Z' };
const order = { id: 3, user_id: 7, product_id: 2, quantity: 3, total: 2999.97, status: 'PENDING', created_at: '2026-01-01T00:00:00.000Z' };
const payment = { id: 1, order_id: 3, amount: 2999.97, status: 'COMPLETED', created_at: '2026-01-01T00:00:00.000Z' };
const saga = {
  payment,
  entries: [
    { step: 'record', outcome: 'done', attempt: 1, detail: 'Payment 1 recorded for order 3', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', at: '2026-01-01T00:00:00.000Z' },
    { step: 'charge', outcome: 'done', attempt: 1, detail: 'Charged 2999.97 (ch_1)', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', at: '2026-01-01T00:00:00.050Z' },
  ],
};
const page = (total: number) => ({ 'x-total-count': String(total) });

// Written out by hand rather than read from the route table, so that a wrong table fails here.
const FORWARDED: ForwardCase[] = [
  { method: 'POST', path: '/api/users', body: { name: 'Ann Lee', email: 'ann@example.com' }, service: 'user-service', pattern: '/api/users', upstreamPath: '/api/users', upstreamQuery: '', answer: { status: 201, body: user, headers: { location: '/api/users/7' } } },
  { method: 'GET', path: '/api/users?limit=2&offset=1', service: 'user-service', pattern: '/api/users', upstreamPath: '/api/users', upstreamQuery: 'limit=2&offset=1', answer: { status: 200, body: [user], headers: page(42) } },
  { method: 'GET', path: '/api/users?id=7&id=9', service: 'user-service', pattern: '/api/users', upstreamPath: '/api/users', upstreamQuery: 'id=7&id=9', answer: { status: 200, body: [user], headers: page(1) } },
  { method: 'GET', path: '/api/users/7', service: 'user-service', pattern: '/api/users/:id', upstreamPath: '/api/users/7', upstreamQuery: '', answer: { status: 200, body: user } },
  { method: 'POST', path: '/api/products', body: { name: 'Laptop', price: 999.99 }, service: 'product-service', pattern: '/api/products', upstreamPath: '/api/products', upstreamQuery: '', answer: { status: 201, body: product } },
  { method: 'GET', path: '/api/products?id=2', service: 'product-service', pattern: '/api/products', upstreamPath: '/api/products', upstreamQuery: 'id=2', answer: { status: 200, body: [product], headers: page(1) } },
  { method: 'GET', path: '/api/products/2', service: 'product-service', pattern: '/api/products/:id', upstreamPath: '/api/products/2', upstreamQuery: '', answer: { status: 200, body: product } },
  { method: 'POST', path: '/api/orders', body: { user_id: 7, product_id: 2, quantity: 3 }, service: 'order-service', pattern: '/api/orders', upstreamPath: '/api/orders', upstreamQuery: '', answer: { status: 201, body: order } },
  { method: 'GET', path: '/api/orders?offset=5', service: 'order-service', pattern: '/api/orders', upstreamPath: '/api/orders', upstreamQuery: 'offset=5&embed=true', answer: { status: 200, body: [], headers: page(5) } },
  { method: 'GET', path: '/api/orders/3', service: 'order-service', pattern: '/api/orders/:id', upstreamPath: '/api/orders/3', upstreamQuery: '', answer: { status: 200, body: order } },
  { method: 'POST', path: '/api/payments', body: { order_id: 3 }, service: 'payment-service', pattern: '/api/payments', upstreamPath: '/api/payments', upstreamQuery: '', answer: { status: 201, body: payment } },
  { method: 'GET', path: '/api/payments?limit=10', service: 'payment-service', pattern: '/api/payments', upstreamPath: '/api/payments', upstreamQuery: 'limit=10', answer: { status: 200, body: [payment], headers: page(1) } },
  { method: 'GET', path: '/api/payments/1', service: 'payment-service', pattern: '/api/payments/:id', upstreamPath: '/api/payments/1', upstreamQuery: '', answer: { status: 200, body: payment } },
  { method: 'GET', path: '/api/payments/1/saga', service: 'payment-service', pattern: '/api/payments/:id/saga', upstreamPath: '/api/payments/1/saga', upstreamQuery: '', answer: { status: 200, body: saga } },
];

describe('Gateway: the public API', () => {
  let gw: GatewayHarness;

  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.close();
  });
  beforeEach(() => gw.resetCalls());

  test.each(FORWARDED.map((c) => [c.method, c.path, c.service, c] as const))('When %s %s is asked for, then %s answers it, exactly once', async (_m, _p, _s, c) => {
    gw.fakes[c.service].on(c.method, c.pattern, () => c.answer);
    const { status, headers, body } = await request(gw.url, c.method, c.path, c.body);

    expect(status).toBe(c.answer.status);
    expect(body).toEqual(c.answer.body);
    expect(headers.get('content-type')).toContain('application/json');
    for (const [name, value] of Object.entries(c.answer.headers ?? {})) expect(headers.get(name)).toBe(value);
    expect(gw.allCalls()).toEqual([`${c.method} ${c.upstreamPath}${c.upstreamQuery ? `?${c.upstreamQuery}` : ''}`]);
    const [call] = gw.fakes[c.service].calls;
    expect(call?.body).toEqual(c.body);
  });

  test('When a service answers with a problem, then its status, problem body and content type come back as they are', async () => {
    const problem = { type: '/problems/conflict', title: 'Conflict', status: 409, detail: 'A user with email ann@example.com already exists', field: 'email' };
    gw.fakes['user-service'].on('POST', '/api/users', () => ({ status: 409, body: problem }));
    const { status, headers, body } = await request<Problem>(gw.url, 'POST', '/api/users', { name: 'Ann', email: 'ann@example.com' });
    expect(status).toBe(409);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body).toEqual(problem);
  });

  test('When a service answers with other headers, then only content type, X-Total-Count, Retry-After and Location come back', async () => {
    gw.fakes['payment-service'].on('GET', '/api/payments', () => ({
      body: [],
      headers: { 'x-total-count': '0', 'retry-after': '3', 'set-cookie': 'session=internal', 'x-powered-by': 'payment-service', server: 'internal' },
    }));
    const { headers } = await request(gw.url, 'GET', '/api/payments');
    expect(headers.get('x-total-count')).toBe('0');
    expect(headers.get('retry-after')).toBe('3');
    expect(headers.get('set-cookie')).toBeNull();
    expect(headers.get('x-powered-by')).toBeNull();
    expect(headers.get('server')).toBeNull();
  });

  test.each([
    ['/api/orders/%31', '/api/orders/1'],
    ['/api/orders/007', '/api/orders/7'],
    ['/api/orders/+8', '/api/orders/8'],
  ])('When an id is spelled %s, then the Order service receives the canonical %s', async (path, upstream) => {
    gw.fakes['order-service'].on('GET', '/api/orders/:id', () => ({ body: order }));
    expect((await request(gw.url, 'GET', path)).status).toBe(200);
    expect(gw.allCalls()).toEqual([`GET ${upstream}`]);
  });

  test.each([
    ['a word for an id', 'GET', '/api/users/abc', undefined, 400, 'id'],
    ['id 0', 'GET', '/api/products/0', undefined, 400, 'id'],
    ['a word for a payment id', 'GET', '/api/payments/abc', undefined, 400, 'id'],
    ['id 0 for a saga', 'GET', '/api/payments/0/saga', undefined, 400, 'id'],
    ['an id beyond the integer range', 'GET', '/api/orders/99999999999', undefined, 400, 'id'],
    ['a page size of 0', 'GET', '/api/users?limit=0', undefined, 400, 'limit'],
    ['a negative offset', 'GET', '/api/payments?offset=-1', undefined, 400, 'offset'],
    ['two page sizes', 'GET', '/api/orders?limit=1&limit=2', undefined, 400, 'limit'],
    ['an unknown query parameter', 'GET', '/api/orders?status=PAID', undefined, 400, 'status'],
    ["an unknown query parameter on one user's orders", 'GET', '/api/orders/user/7?status=PAID', undefined, 400, 'status'],
    ['an offset beyond any table', 'GET', '/api/users?offset=1e30', undefined, 400, 'offset'],
    ['a path that cannot be decoded', 'GET', '/api/users/%zz', undefined, 400, 'path'],
    ['ids on a list that takes none', 'GET', '/api/payments?id=1', undefined, 400, 'id'],
    ['a word among the ids', 'GET', '/api/products?id=2&id=x', undefined, 400, 'id.1'],
    ['malformed JSON', 'POST', '/api/users', '{"name": "Ann",', 400, 'body'],
    ['a body over the size limit', 'POST', '/api/products', { name: 'x'.repeat(5000), price: 1 }, 413, 'body'],
  ])('When a request has %s, then %i naming the field, and no service sees a call', async (_case, method, path, payload, expected, field) => {
    const { status, headers, body } = await request<Problem>(gw.url, method, path, payload);
    expect(status).toBe(expected);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body.field).toBe(field);
    expect(gw.allCalls()).toEqual([]);
  });

  test("When a client sends X-Service-Token (here a valid one, stolen from the Payment service), then the service never sees it, and the request id is passed on", async () => {
    gw.fakes['order-service'].on('POST', '/api/orders', () => ({ status: 201, body: order }));
    const { status, headers } = await request(gw.url, 'POST', '/api/orders', { user_id: 7, product_id: 2, quantity: 3 }, {
      'x-service-token': keys.token('payment-service', 'order-service'),
      'x-request-id': 'trace-me-42',
      authorization: 'Bearer client',
      cookie: 'a=b',
    });
    expect(status).toBe(201);
    expect(headers.get('x-request-id')).toBe('trace-me-42');
    const [call] = gw.fakes['order-service'].calls;
    expect(call?.headers['x-service-token']).toBeUndefined();
    expect(call?.headers.authorization).toBeUndefined();
    expect(call?.headers.cookie).toBeUndefined();
    expect(call?.headers['x-request-id']).toBe('trace-me-42');
  });

  test('When a client sends no request id, then the gateway makes one and the service receives the same', async () => {
    gw.fakes['user-service'].on('GET', '/api/users/:id', () => ({ body: user }));
    const { headers } = await request(gw.url, 'GET', '/api/users/7');
    const id = headers.get('x-request-id');
    expect(id).toBeTruthy();
    expect(gw.fakes['user-service'].calls[0]?.headers['x-request-id']).toBe(id);
  });

  test('When a public route carries X-HTTP-Method-Override: PUT, then it is forwarded with its own method and without the header', async () => {
    gw.fakes['order-service'].on('GET', '/api/orders/:id', () => ({ body: order }));
    const { status } = await request(gw.url, 'GET', '/api/orders/1', undefined, { 'x-http-method-override': 'PUT', 'x-original-url': '/api/orders/1/status' });
    expect(status).toBe(200);
    expect(gw.allCalls()).toEqual(['GET /api/orders/1']);
    expect(gw.fakes['order-service'].calls[0]?.headers['x-http-method-override']).toBeUndefined();
    expect(gw.fakes['order-service'].calls[0]?.headers['x-original-url']).toBeUndefined();
  });

  test('When the request target names another host (absolute form), then the configured service answers and the host is ignored', async () => {
    gw.fakes['user-service'].on('GET', '/api/users/:id', () => ({ body: user }));
    const { status, body } = await rawRequest(gw.url, 'GET http://169.254.169.254/api/users/7 HTTP/1.1\r\nHost: 169.254.169.254');
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual(user);
    expect(gw.allCalls()).toEqual(['GET /api/users/7']);
    expect(gw.fakes['user-service'].calls[0]?.headers.host).toBe(new URL(gw.fakes['user-service'].url).host);
  });

  test.each([
    ['DELETE', '/api/users/7'],
    ['PUT', '/api/products/2'],
    ['PATCH', '/api/orders/3'],
    ['GET', '/api/users/7/orders'],
    ['GET', '/api/orders/3/status'],
    ['GET', '/health/../api/users'],
    ['GET', '/internal/orders/3'],
    ['GET', '/internal/stock'],
    ['PUT', '/api/payments/1'],
    ['HEAD', '/api/users'],
  ])('When %s %s (not in the table) is asked for, then 404 problem and no service sees a call', async (method, path) => {
    const { status, headers } = await rawRequest(gw.url, `${method} ${path} HTTP/1.1\r\nHost: localhost`);
    expect(status).toBe(404);
    if (method !== 'HEAD') expect(headers['content-type']).toContain('application/problem+json');
    expect(gw.allCalls()).toEqual([]);
  });
});
