import type { Problem } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { CALL_TIMEOUT_MS, startGateway, type GatewayHarness } from './gateway-harness.js';

const user = { id: 7, name: 'Ann Lee', email: 'ann@example.com', created_at: '2026-01-01T00:00:00.000Z' };

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await run();
  return [result, performance.now() - start];
}

describe('Gateway: a service that is down or slow', () => {
  let gw: GatewayHarness;

  beforeEach(async () => {
    gw = await startGateway();
    gw.fakes['user-service'].on('GET', '/api/users/:id', () => ({ body: user }));
  });
  afterEach(async () => {
    await gw.close();
  });

  test('When the Order service is down, then 503 problem naming it at once, and the User service still answers', async () => {
    await gw.fakes['order-service'].close();
    const [{ status, headers, body }, ms] = await timed(() => request<Problem>(gw.url, 'GET', '/api/orders'));
    expect(status).toBe(503);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(headers.get('retry-after')).toBe('1');
    expect(body).toMatchObject({ status: 503, service: 'order-service', type: '/problems/service-unavailable' });
    expect(ms).toBeLessThan(CALL_TIMEOUT_MS);
    expect(await request(gw.url, 'GET', '/api/users/7')).toMatchObject({ status: 200, body: user });
  });

  test('When the Product service hangs, then 503 problem naming it within the call budget, and the User service answers meanwhile', async () => {
    gw.fakes['product-service'].on('GET', '/api/products/:id', () => ({ hang: true }));
    const hanging = timed(() => request<Problem>(gw.url, 'GET', '/api/products/2'));
    const [meanwhile, userMs] = await timed(() => request(gw.url, 'GET', '/api/users/7'));
    const [{ status, body }, ms] = await hanging;

    expect(meanwhile.status).toBe(200);
    expect(userMs).toBeLessThan(CALL_TIMEOUT_MS / 2);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 503, service: 'product-service' });
    expect(body.detail).toContain(`within ${CALL_TIMEOUT_MS} ms`);
    expect(ms).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 20);
    expect(ms).toBeLessThan(CALL_TIMEOUT_MS + 300);
  });

  test('When the Payment service fails with a 500, then 502 problem naming it, without its body', async () => {
    gw.fakes['payment-service'].on('POST', '/api/payments', () => ({ status: 500, body: { stack: 'Error at secret.ts:1' } }));
    const { status, body } = await request<Problem>(gw.url, 'POST', '/api/payments', { order_id: 1 });
    expect(status).toBe(502);
    expect(body).toMatchObject({ status: 502, service: 'payment-service' });
    expect(JSON.stringify(body)).not.toContain('secret.ts');
  });

  test('When the User service says it is unavailable, then 503 problem naming it', async () => {
    gw.fakes['user-service'].on('GET', '/api/users', () => ({ status: 503, body: { status: 503 } }));
    const { status, body } = await request<Problem>(gw.url, 'GET', '/api/users');
    expect(status).toBe(503);
    expect(body.service).toBe('user-service');
  });

  test('When the Order service answers 503 naming the Product service, then that problem is passed on as it is', async () => {
    const problem = { type: '/problems/service-unavailable', title: 'Service unavailable', status: 503, detail: 'product-service is unreachable (ECONNREFUSED)', service: 'product-service' };
    gw.fakes['order-service'].on('POST', '/api/orders', () => ({ status: 503, body: problem }));
    const { status, body } = await request<Problem>(gw.url, 'POST', '/api/orders', { user_id: 1, product_id: 2, quantity: 1 });
    expect(status).toBe(503);
    expect(body).toEqual(problem);
  });
});
