import { MAX_PAGE_SIZE, TOTAL_COUNT_HEADER, type BackendName } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startGateway, type GatewayHarness } from './gateway-harness.js';

/** Every list route of the public API: where it is asked, which service answers it, and at which path. */
const LISTS: readonly { path: string; service: BackendName; upstream: string }[] = [
  { path: '/api/users', service: 'user-service', upstream: '/api/users' },
  { path: '/api/products', service: 'product-service', upstream: '/api/products' },
  { path: '/api/orders', service: 'order-service', upstream: '/api/orders' },
  { path: '/api/orders/user/7', service: 'order-service', upstream: '/api/orders/user/:user_id' },
  { path: '/api/payments', service: 'payment-service', upstream: '/api/payments' },
];

/**
 * `?limit=` over the largest page: every list route's contract caps it (`PageQuery`), and the
 * gateway sends the cap on, never the number asked for. Each fake records what it was asked.
 */
describe('Gateway: page size on every list route', () => {
  let gw: GatewayHarness;

  beforeAll(async () => {
    gw = await startGateway();
    for (const { service, upstream } of LISTS) gw.fakes[service].on('GET', upstream, () => ({ body: [], headers: { [TOTAL_COUNT_HEADER]: '0' } }));
  });
  afterAll(async () => {
    await gw.close();
  });
  beforeEach(() => gw.resetCalls());

  const limitSent = (service: BackendName) => gw.fakes[service].calls.map((call) => call.query.get('limit'));

  test.each(LISTS)('$path?limit= over the largest page is capped to it, and the cap is what the service is asked for', async ({ path, service }) => {
    for (const limit of [String(MAX_PAGE_SIZE + 1), '5000', '2147483648', '100000000000000000000']) {
      const answer = await request(gw.url, 'GET', `${path}?limit=${limit}&offset=3`);
      expect(answer.status, `limit=${limit}`).toBe(200);
    }
    expect(limitSent(service)).toEqual([String(MAX_PAGE_SIZE), String(MAX_PAGE_SIZE), String(MAX_PAGE_SIZE), String(MAX_PAGE_SIZE)]);
    expect(gw.fakes[service].calls.map((call) => call.query.get('offset'))).toEqual(['3', '3', '3', '3']);
  });

  test.each(LISTS)('$path?limit= within the largest page is sent on as it is', async ({ path, service }) => {
    for (const limit of ['1', '7', String(MAX_PAGE_SIZE)]) expect((await request(gw.url, 'GET', `${path}?limit=${limit}`)).status).toBe(200);
    expect(limitSent(service)).toEqual(['1', '7', String(MAX_PAGE_SIZE)]);
  });

  test.each(LISTS)('$path?limit= that is no page size (0, negative, a fraction, a word) is a 400 naming limit, sent nowhere', async ({ path }) => {
    for (const limit of ['0', '-5', '2.5', 'all']) {
      const answer = await request<{ field?: string }>(gw.url, 'GET', `${path}?limit=${limit}`);
      expect(answer.status, `limit=${limit}`).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.field).toBe('limit');
    }
    expect(gw.allCalls()).toEqual([]);
  });
});
