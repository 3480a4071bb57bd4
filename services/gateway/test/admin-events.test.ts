import { ADMIN_TOKEN_HEADER, type AdminEvents, type OutboxState } from '@microshop/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { callerAt, startGateway, type GatewayHarness } from './gateway-harness.js';

const ADMIN = 'admin-events-test-admin-token';
const admin = { [ADMIN_TOKEN_HEADER]: ADMIN };

const outbox = (type: string, subject: string, consumed: string): OutboxState => ({
  pending: 0,
  dead: 1,
  oldest_pending_ms: 0,
  dead_letters: [{ event_id: 'dead-1', type, subject, attempts: 10, last_error: 'no route', created_at: '2030-01-01T00:00:00.000Z' }],
  recent: [{ event_id: 'evt-1', type, subject, state: 'published', attempts: 1, created_at: '2030-01-01T00:00:00.000Z', published_at: '2030-01-01T00:00:00.100Z' }],
  inbox: { applied: 3, duplicates: 1, recent: [{ event_id: 'evt-in-1', type: consumed, applied_at: '2030-01-01T00:00:00.200Z' }] },
});
const PRODUCT = outbox('StockReserved', 'order/1', 'OrderCreated');
const ORDER = outbox('OrderCreated', 'order/1', 'StockReserved');
const PAYMENT = outbox('PaymentCompleted', 'payment/1', 'OrderCancelled');

let gateway: GatewayHarness | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function call(method: string, path: string, headers: Record<string, string> = admin) {
  const response = await fetch(`${gateway?.url}${path}`, { method, headers });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as unknown };
}

describe('Gateway admin API: the outboxes', () => {
  it('When the Product, Order and Payment services answer, then each outbox comes back with its inbox, asked with the gateway’s token for each', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    gateway.fakes['product-service'].on('GET', '/internal/events/outbox', () => ({ body: PRODUCT }));
    gateway.fakes['order-service'].on('GET', '/internal/events/outbox', () => ({ body: ORDER }));
    gateway.fakes['payment-service'].on('GET', '/internal/events/outbox', () => ({ body: PAYMENT }));
    const answer = await call('GET', '/api/admin/events');
    expect(answer).toEqual({
      status: 200,
      type: expect.stringContaining('application/json'),
      body: {
        services: [
          { service: 'product-service', outbox: PRODUCT },
          { service: 'order-service', outbox: ORDER },
          { service: 'payment-service', outbox: PAYMENT },
        ],
      },
    });
    for (const service of ['product-service', 'order-service', 'payment-service'] as const) {
      expect(gateway.fakes[service].calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /internal/events/outbox']);
      expect(callerAt(service, gateway.fakes[service].calls[0])).toBe('gateway');
    }
    expect(gateway.fakes['user-service'].calls).toEqual([]);
  });

  it('When the Payment service is down, then its outbox is null with the reason and the Product and Order ones still come back (200)', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    gateway.fakes['product-service'].on('GET', '/internal/events/outbox', () => ({ body: PRODUCT }));
    gateway.fakes['order-service'].on('GET', '/internal/events/outbox', () => ({ body: ORDER }));
    await gateway.fakes['payment-service'].close();
    const answer = await call('GET', '/api/admin/events');
    expect(answer.status).toBe(200);
    const [product, order, payment] = (answer.body as AdminEvents).services;
    expect(product).toEqual({ service: 'product-service', outbox: PRODUCT });
    expect(order).toEqual({ service: 'order-service', outbox: ORDER });
    expect(payment).toMatchObject({ service: 'payment-service', outbox: null, detail: expect.any(String) });
    expect(payment?.detail).not.toBe('');
  });

  it('When a dead letter of the Product service is retried, then the call goes to the Product service alone', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    gateway.fakes['product-service'].on('POST', '/internal/events/outbox/:id/retry', (_call, params) => ({ body: { retried: params.id } }));
    const answer = await call('POST', '/api/admin/events/product-service/dead-1/retry');
    expect(answer).toMatchObject({ status: 200, body: { retried: 'dead-1' } });
    expect(gateway.allCalls()).toEqual(['POST /internal/events/outbox/dead-1/retry']);
    expect(callerAt('product-service', gateway.fakes['product-service'].calls[0])).toBe('gateway');
  });

  it('When a dead letter is retried, then the call is forwarded to that service and its answer comes back', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    gateway.fakes['payment-service'].on('POST', '/internal/events/outbox/:id/retry', (_call, params) => ({ body: { retried: params.id } }));
    const answer = await call('POST', '/api/admin/events/payment-service/dead-1/retry');
    expect(answer).toMatchObject({ status: 200, body: { retried: 'dead-1' } });
    expect(gateway.fakes['payment-service'].calls[0]).toMatchObject({ method: 'POST', path: '/internal/events/outbox/dead-1/retry' });
    expect(callerAt('payment-service', gateway.fakes['payment-service'].calls[0])).toBe('gateway');
    expect(gateway.fakes['order-service'].calls).toEqual([]);
  });

  it('When the service knows no such dead letter, then its 404 problem is passed on', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    const missing = { type: 'about:blank', title: 'Not found', status: 404, detail: 'dead letter nope not found', field: 'event_id' };
    gateway.fakes['order-service'].on('POST', '/internal/events/outbox/:id/retry', () => ({ status: 404, body: missing, headers: { 'content-type': 'application/problem+json' } }));
    const answer = await call('POST', '/api/admin/events/order-service/nope/retry');
    expect(answer).toMatchObject({ status: 404, body: { status: 404, field: 'event_id' } });
    expect(answer.type).toContain('application/problem+json');
  });

  it('When the service has no outbox (user-service), then 400 naming the field and nothing is forwarded', async () => {
    gateway = await startGateway({ adminToken: ADMIN });
    const answer = await call('POST', '/api/admin/events/user-service/dead-1/retry');
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('service');
    expect(gateway.allCalls()).toEqual([]);
  });

  it.each([
    ['GET', '/api/admin/events'],
    ['POST', '/api/admin/events/order-service/dead-1/retry'],
  ])('When %s %s comes without the admin token, then 401 naming the header and no service is asked', async (method, path) => {
    gateway = await startGateway({ adminToken: ADMIN });
    const answer = await call(method, path, {});
    expect(answer).toMatchObject({ status: 401, body: { field: ADMIN_TOKEN_HEADER } });
    expect(gateway.allCalls()).toEqual([]);
  });
});
