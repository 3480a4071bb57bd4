import { matchesContract } from '@microshop/chassis';
import {
  ConsistencyReport,
  OUTBOX_SERVICES,
  type Charge,
  type Order,
  type OutboxService,
  type OutboxState,
  type Payment,
  type ProviderLedger,
  type Reservation,
  type StockLedger,
} from '@microshop/contracts';
import { request, scrapeMetrics, sampleDelta, startFakeService, type FakeService, type RecordedCall } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { callerAt, startGateway, type GatewayHarness } from './gateway-harness.js';

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
    // The check reads other sources too (outboxes, stock): only the pages of the two lists are counted here.
    const calls = (service: 'order-service' | 'payment-service', path: string) =>
      gw.fakes[service].calls.filter((c) => c.path === path).map((c) => `${c.path}?${c.query.toString()}`);
    expect(calls('payment-service', '/api/payments')).toEqual(['/api/payments?limit=1000&offset=0', '/api/payments?limit=1000&offset=1000', '/api/payments?limit=1000&offset=2000']);
    expect(calls('order-service', '/api/orders')).toEqual(['/api/orders?embed=false&limit=1000&offset=0', '/api/orders?embed=false&limit=1000&offset=1000', '/api/orders?embed=false&limit=1000&offset=2000']);
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

  test('When only the Order and Payment lists answer and no provider is configured, then the money is still checked and every missing part is named in unavailable', async () => {
    gw.fakes['order-service'].on('GET', '/api/orders', page<Order>([{ id: 1, user_id: 1, product_id: 1, quantity: 1, total: 10, status: 'PAID', created_at: AT }]));
    gw.fakes['payment-service'].on('GET', '/api/payments', page<Payment>([{ id: 1, order_id: 1, amount: 10, status: 'COMPLETED', created_at: AT }]));
    const { status, body } = await request<ConsistencyReport>(gw.url, 'GET', '/api/consistency');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      orders_checked: 1,
      payments_checked: 1,
      charges_checked: 0,
      products_checked: 0,
      events_pending: 0,
      violations: [],
      unavailable: ['product-service outbox', 'order-service outbox', 'payment-service outbox', 'payment-provider', 'product-service stock'],
      ok: true,
    });
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

describe('Gateway: GET /api/consistency, with the outboxes, the payment provider and Product’s stock faked too', () => {
  const order = (id: number, status: Order['status'], stocked = true): Order => ({
    id,
    user_id: 1,
    product_id: 1,
    quantity: 1,
    total: 10,
    status,
    created_at: AT,
    ...(stocked ? { stock: 'RESERVED' as const } : {}),
  });
  const payment = (id: number, orderId: number, status: Payment['status']): Payment => ({ id, order_id: orderId, amount: 10, status, created_at: AT });
  const charge = (paymentId: number, orderId: number, status: Charge['status']): Charge => ({ id: `ch_${paymentId}`, reference: `payment-${paymentId}`, order_id: orderId, amount: 10, status, created_at: AT });
  const reservation = (orderId: number, state: Reservation['state']): Reservation => ({ order_id: orderId, product_id: 1, quantity: 1, state, created_at: AT, updated_at: AT });
  const outboxWith = (pending: number): OutboxState => ({ pending, dead: 0, oldest_pending_ms: pending > 0 ? 120 : 0, dead_letters: [], recent: [], inbox: { applied: 0, duplicates: 0, recent: [] } });
  /** The provider's ledger as it answers it: the totals over every charge, and the charges. */
  const ledgerOf = (charges: Charge[]): ProviderLedger => {
    const charged = charges.filter((c) => c.status === 'SUCCEEDED' || c.status === 'REFUNDED').reduce((sum, c) => sum + c.amount, 0);
    const refunded = charges.filter((c) => c.status === 'REFUNDED').reduce((sum, c) => sum + c.amount, 0);
    return { charged, refunded, net: charged - refunded, charges };
  };

  let gw: GatewayHarness & { provider: FakeService };
  /** Every read of a source, in the order the gateway made them. */
  let reads: string[];

  /** Serves every source the check reads; each read is noted in `reads`. */
  function serve(sources: { orders: Order[]; payments: Payment[]; charges: Charge[]; stock: StockLedger; pending?: Record<OutboxService, number> }): void {
    const noted = <T>(name: string, answer: (call: RecordedCall) => T) => (call: RecordedCall) => {
      reads.push(name);
      return answer(call);
    };
    for (const service of OUTBOX_SERVICES) {
      gw.fakes[service].on('GET', '/internal/events/outbox', noted(`${service} outbox`, () => ({ body: outboxWith(sources.pending?.[service] ?? 0) })));
    }
    gw.provider.on('GET', '/v1/ledger', noted('provider ledger', () => ({ body: ledgerOf(sources.charges) })));
    gw.fakes['payment-service'].on('GET', '/api/payments', noted('payments', page(sources.payments)));
    gw.fakes['order-service'].on('GET', '/api/orders', noted('orders', page(sources.orders)));
    gw.fakes['product-service'].on('GET', '/internal/stock', noted('stock', () => ({ body: sources.stock })));
  }

  beforeEach(async () => {
    reads = [];
    gw = await startGateway({ healthTimeoutMs: 2000, provider: true });
  });
  afterEach(async () => {
    await gw.close();
  });

  const check = async () => {
    const { status, body } = await request<ConsistencyReport>(gw.url, 'GET', '/api/consistency');
    expect(status).toBe(200);
    expect(matchesContract(ConsistencyReport, body)).toBe(true);
    return body;
  };

  test('When money and stock agree everywhere, then the report is ok, with the charges and products counted and the outboxes’ pending events summed', async () => {
    serve({
      orders: [order(1, 'PAID'), order(2, 'CANCELLED'), order(3, 'PENDING', false)],
      payments: [payment(1, 1, 'COMPLETED'), payment(2, 2, 'REFUNDED')],
      charges: [charge(1, 1, 'SUCCEEDED'), charge(2, 2, 'REFUNDED')],
      stock: { products: [{ product_id: 1, received: 10, available: 9, reserved: 0, sold: 1 }], reservations: [reservation(1, 'COMMITTED'), reservation(2, 'RELEASED')] },
      pending: { 'product-service': 1, 'order-service': 0, 'payment-service': 2 },
    });
    expect(await check()).toEqual({
      checked_at: expect.any(String),
      orders_checked: 3,
      payments_checked: 2,
      charges_checked: 2,
      products_checked: 1,
      violations: [],
      in_flight: [],
      converging: [],
      events_pending: 3,
      unavailable: [],
      ok: true,
    });
  });

  test('When the report is built, then each source is read with the gateway’s service token: outboxes first, the ledger, payments, orders and stock, then the outboxes again (events of a change made meanwhile count as pending)', async () => {
    serve({ orders: [], payments: [], charges: [], stock: { products: [], reservations: [] } });
    await check();
    expect(reads.slice(0, 3).sort()).toEqual(['order-service outbox', 'payment-service outbox', 'product-service outbox']);
    expect(reads.slice(3, 7)).toEqual(['provider ledger', 'payments', 'orders', 'stock']);
    expect(reads.slice(7).sort()).toEqual(['order-service outbox', 'payment-service outbox', 'product-service outbox']);
    // Each with the gateway's own token for that service (checked with the service's keys).
    const credentialed = [
      ...OUTBOX_SERVICES.flatMap((service) => gw.fakes[service].calls.filter((c) => c.path.startsWith('/internal/')).map((c) => `${c.path} ${String(callerAt(service, c))}`)),
      ...gw.provider.calls.map((c) => `${c.path} ${String(callerAt('payment-provider', c))}`),
    ];
    expect(credentialed.sort()).toEqual([...Array.from({ length: 6 }, () => '/internal/events/outbox gateway'), '/internal/stock gateway', '/v1/ledger gateway']);
  });

  test('When the provider holds money for a CANCELLED order whose payment FAILED, then net-charge names the order', async () => {
    serve({
      orders: [order(1, 'PAID', false), order(2, 'CANCELLED', false)],
      payments: [payment(1, 1, 'COMPLETED'), payment(2, 2, 'FAILED')],
      charges: [charge(1, 1, 'SUCCEEDED'), charge(2, 2, 'SUCCEEDED')],
      stock: { products: [], reservations: [] },
    });
    const report = await check();
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual([{ rule: 'net-charge', order_id: 2, payment_id: null, detail: 'Order 2 is CANCELLED: the provider holds 10.00 for it, 0.00 expected' }]);
    expect(report.charges_checked).toBe(2);
  });

  test.each([
    ['the Order outbox still holds 2 events', 'converging, not a violation', { 'product-service': 0, 'order-service': 2, 'payment-service': 0 }, true],
    ['every outbox holds 0', 'a reservation-mismatch violation', { 'product-service': 0, 'order-service': 0, 'payment-service': 0 }, false],
  ])('When a CANCELLED order’s units are still RESERVED and %s, then the mismatch is %s', async (_case, _outcome, pending, ok) => {
    serve({
      orders: [order(1, 'CANCELLED')],
      payments: [],
      charges: [],
      stock: { products: [{ product_id: 1, received: 5, available: 4, reserved: 1, sold: 0 }], reservations: [reservation(1, 'RESERVED')] },
      pending,
    });
    const report = await check();
    const mismatch = { order_id: 1, detail: 'Order 1 is CANCELLED but its 1 unit(s) are still RESERVED' };
    expect(report).toMatchObject({
      ok,
      events_pending: ok ? 2 : 0,
      converging: ok ? [mismatch] : [],
      violations: ok ? [] : [{ rule: 'reservation-mismatch', payment_id: null, ...mismatch }],
    });
  });

  test('When the provider’s ledger lists only its latest charges (its total counts more), then it is named in unavailable rather than blamed for the missing ones', async () => {
    serve({ orders: [order(1, 'PAID', false), order(2, 'PAID', false)], payments: [payment(1, 1, 'COMPLETED'), payment(2, 2, 'COMPLETED')], charges: [], stock: { products: [], reservations: [] } });
    // The provider lists at most so many charges, newest first; its totals count every one.
    gw.provider.on('GET', '/v1/ledger', () => ({ body: { ...ledgerOf([charge(1, 1, 'SUCCEEDED'), charge(2, 2, 'SUCCEEDED')]), charges: [charge(2, 2, 'SUCCEEDED')] } }));
    expect(await check()).toMatchObject({ charges_checked: 0, violations: [], unavailable: ['payment-provider (its ledger lists only its latest charges)'], ok: true });
  });

  test('When Product lists only its latest reservations (X-Total-Count says more), then its stock is named in unavailable rather than an older PAID order called unreserved', async () => {
    const stock: StockLedger = { products: [{ product_id: 1, received: 5, available: 3, reserved: 0, sold: 2 }], reservations: [reservation(2, 'COMMITTED')] };
    serve({
      orders: [order(1, 'PAID'), order(2, 'PAID')],
      payments: [payment(1, 1, 'COMPLETED'), payment(2, 2, 'COMPLETED')],
      charges: [charge(1, 1, 'SUCCEEDED'), charge(2, 2, 'SUCCEEDED')],
      stock,
    });
    // Product lists at most so many reservations, newest first; X-Total-Count has how many there are.
    gw.fakes['product-service'].on('GET', '/internal/stock', () => ({ body: stock, headers: { 'x-total-count': '2' } }));
    expect(await check()).toMatchObject({ products_checked: 0, violations: [], unavailable: ['product-service stock (it lists only its latest reservations)'], ok: true });
  });

  test('When the first of two Product instances is down, then the stock is read from the second', async () => {
    const [first, second] = [await startFakeService(), await startFakeService()];
    try {
      await gw.close();
      const instances = [
        { id: 'product-service-1', url: first.url },
        { id: 'product-service-2', url: second.url },
      ];
      gw = await startGateway({ healthTimeoutMs: 2000, provider: true }, { 'product-service': { service: 'product-service', source: 'registry', instances: () => instances } });
      serve({ orders: [order(1, 'PAID')], payments: [payment(1, 1, 'COMPLETED')], charges: [charge(1, 1, 'SUCCEEDED')], stock: { products: [], reservations: [] } });
      second.on('GET', '/internal/events/outbox', () => ({ body: outboxWith(0) }));
      second.on('GET', '/internal/stock', () => ({ body: { products: [{ product_id: 1, received: 5, available: 4, reserved: 0, sold: 1 }], reservations: [reservation(1, 'COMMITTED')] } }));
      first.goDown();
      expect(await check()).toMatchObject({ products_checked: 1, violations: [], unavailable: [], ok: true });
      expect(second.calls.map((c) => c.path)).toEqual(['/internal/events/outbox', '/internal/stock', '/internal/events/outbox']);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  test('When the provider and the Product service do not answer and the Order outbox answers 500, then the rest is checked and those parts are named in unavailable', async () => {
    serve({ orders: [order(1, 'PAID', false)], payments: [payment(1, 1, 'COMPLETED')], charges: [], stock: { products: [], reservations: [] } });
    gw.provider.goDown();
    gw.fakes['product-service'].goDown();
    gw.fakes['order-service'].on('GET', '/internal/events/outbox', () => ({ status: 500, body: { type: '/problems/internal', title: 'Internal error', status: 500 } }));
    expect(await check()).toMatchObject({
      orders_checked: 1,
      payments_checked: 1,
      charges_checked: 0,
      products_checked: 0,
      violations: [],
      unavailable: ['product-service outbox', 'order-service outbox', 'payment-provider', 'product-service stock'],
      ok: true,
    });
  });
});
