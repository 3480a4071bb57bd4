import { matchesContract } from '@microshop/chassis';
import { ConsistencyReport, type Order, type Payment } from '@microshop/contracts';
import { request, scrapeMetrics, sampleDelta } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { RecordedCall } from '@microshop/testkit';
import { startGateway, type GatewayHarness } from './gateway-harness.js';

const AT = '2025-01-01T00:00:00.000Z';

/** Answers a list endpoint as the services do: newest first, `?limit=` capped at 1000, `?offset=`, the total in X-Total-Count. */
function page<T extends { id: number }>(rows: readonly T[]) {
  const newestFirst = [...rows].sort((a, b) => b.id - a.id);
  return (call: RecordedCall) => {
    const limit = Math.min(Number(call.query.get('limit') ?? 100), 1000);
    const offset = Number(call.query.get('offset') ?? 0);
    return { body: newestFirst.slice(offset, offset + limit), headers: { 'x-total-count': String(newestFirst.length) } };
  };
}

describe('Gateway: GET /api/consistency, over faked Order and Payment services', () => {
  let gw: GatewayHarness;
  beforeEach(async () => {
    gw = await startGateway({ healthTimeoutMs: 2000 });
  });
  afterEach(async () => {
    await gw.close();
  });

  test('When there are 2,500 orders and 2,400 payments, then every page is read (limit=1000, offset, embed=false) and the report is ok', async () => {
    const orders: Order[] = Array.from({ length: 2500 }, (_, i) => ({ id: i + 1, user_id: 1, product_id: 1, quantity: 1, total: 25, status: i < 2400 ? 'PAID' : 'PENDING', created_at: AT }));
    const payments: Payment[] = Array.from({ length: 2400 }, (_, i) => ({ id: i + 1, order_id: i + 1, amount: 25, status: 'COMPLETED', created_at: AT }));
    gw.fakes['order-service'].on('GET', '/api/orders', page(orders));
    gw.fakes['payment-service'].on('GET', '/api/payments', page(payments));

    const { status, body } = await request<ConsistencyReport>(gw.url, 'GET', '/api/consistency');
    expect(status).toBe(200);
    expect(matchesContract(ConsistencyReport, body)).toBe(true);
    expect(body).toMatchObject({ orders_checked: 2500, payments_checked: 2400, violations: [], in_flight: [], ok: true });
    const calls = (service: 'order-service' | 'payment-service') => gw.fakes[service].calls.map((c) => `${c.path}?${c.query.toString()}`);
    expect(calls('payment-service')).toEqual(['/api/payments?limit=1000&offset=0', '/api/payments?limit=1000&offset=1000', '/api/payments?limit=1000&offset=2000']);
    expect(calls('order-service')).toEqual(['/api/orders?embed=false&limit=1000&offset=0', '/api/orders?embed=false&limit=1000&offset=1000', '/api/orders?embed=false&limit=1000&offset=2000']);
  });

  test('When the money is wrong, then each violation is listed, PENDING payments are in flight, and the read is monitoring, not traffic', async () => {
    gw.fakes['order-service'].on('GET', '/api/orders', page<Order>([
      { id: 1, user_id: 1, product_id: 1, quantity: 1, total: 10, status: 'PAID', created_at: AT },
      { id: 2, user_id: 1, product_id: 1, quantity: 1, total: 10, status: 'PENDING', created_at: AT },
    ]));
    gw.fakes['payment-service'].on('GET', '/api/payments', page<Payment>([
      { id: 1, order_id: 1, amount: 10, status: 'COMPLETED', created_at: AT },
      { id: 2, order_id: 1, amount: 10, status: 'COMPLETED', created_at: AT },
      { id: 3, order_id: 2, amount: 10, status: 'PENDING', created_at: AT },
    ]));
    const before = await scrapeMetrics(gw.url);
    const { body } = await request<ConsistencyReport>(gw.url, 'GET', '/api/consistency');
    expect(body.ok).toBe(false);
    expect(body.violations).toEqual([{ rule: 'double-charge', order_id: 1, payment_id: 2, detail: 'Order 1 has 2 COMPLETED payments; payment 2 is one too many' }]);
    expect(body.in_flight).toEqual([{ payment_id: 3, order_id: 2, age_s: expect.any(Number) }]);
    const after = await scrapeMetrics(gw.url);
    expect(sampleDelta(before, after, 'microshop_http_server_requests_total', { route: '/api/consistency' })).toBe(0);
    expect(sampleDelta(before, after, 'microshop_http_monitoring_requests_total', { route: '/api/consistency', status_code: '200' })).toBe(1);
  });

  test('When the Payment service is down, then 503 problem naming payment-service', async () => {
    gw.fakes['order-service'].on('GET', '/api/orders', page<Order>([]));
    gw.fakes['payment-service'].goDown();
    const { status, body } = await request<{ status: number; service?: string; detail?: string }>(gw.url, 'GET', '/api/consistency');
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 503, service: 'payment-service' });
    expect(body.detail).toContain('could not read payment-service');
  });

  test('When the Order service answers 500, then 503 problem naming order-service', async () => {
    gw.fakes['payment-service'].on('GET', '/api/payments', page<Payment>([]));
    gw.fakes['order-service'].on('GET', '/api/orders', () => ({ status: 500, body: { title: 'boom' } }));
    const { status, body } = await request<{ status: number; service?: string }>(gw.url, 'GET', '/api/consistency');
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 503, service: 'order-service' });
  });
});
