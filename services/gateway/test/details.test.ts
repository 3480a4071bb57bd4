import { matchesContract } from '@microshop/chassis';
import { OrderTimeline, type Order, type OrderDetails, type Payment, type PaymentSaga, type PaymentStatus, type Problem, type Product, type Reservation, type SagaEntry, type StockLedger, type User, type UserDetails } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { callerAt, startGateway, type GatewayHarness } from './gateway-harness.js';

const AT = '2024-05-01T10:00:00.000Z';
const userOf = (id: number): User => ({ id, name: `User ${id}`, email: `u${id}@example.com`, created_at: AT });
const productOf = (id: number): Product => ({ id, name: `Product ${id}`, price: 999.99, description: null, created_at: AT });
const orderOf = (id: number, userId: number, total: number, status: Order['status']): Order => ({
  id,
  user_id: userId,
  product_id: 2,
  quantity: 1,
  total,
  status,
  created_at: AT,
});
const paymentOf = (id: number, orderId: number, amount: number, status: PaymentStatus): Payment => ({ id, order_id: orderId, amount, status, created_at: AT });
const notFound = { status: 404, body: { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'none' } };

describe('Gateway: composed views', () => {
  let gw: GatewayHarness;
  let orders: Order[];
  let payments: Payment[];

  /** Serves users 1–99, products 1–99, and the orders and payments in the arrays above. */
  function serveShop(g: GatewayHarness): void {
    g.fakes['user-service'].on('GET', '/api/users/:id', (_c, { id }) => (Number(id) < 100 ? { body: userOf(Number(id)) } : notFound));
    g.fakes['product-service'].on('GET', '/api/products/:id', (_c, { id }) => (Number(id) < 100 ? { body: productOf(Number(id)) } : notFound));
    g.fakes['order-service'].on('GET', '/api/orders/:id', (_c, { id }) => {
      const order = orders.find((o) => o.id === Number(id));
      return order ? { body: order } : notFound;
    });
    g.fakes['order-service'].on('GET', '/api/orders', (call) => {
      const mine = orders.filter((o) => o.user_id === Number(call.query.get('user_id'))).sort((a, b) => b.id - a.id);
      const offset = Number(call.query.get('offset') ?? 0);
      const limit = Number(call.query.get('limit') ?? 100);
      return { body: mine.slice(offset, offset + limit), headers: { 'x-total-count': String(mine.length) } };
    });
    g.fakes['payment-service'].on('GET', '/api/payments', (call) => {
      const ids = call.query.getAll('order_id').map(Number);
      const found = payments.filter((p) => ids.includes(p.order_id));
      return { body: found, headers: { 'x-total-count': String(found.length) } };
    });
  }

  beforeEach(async () => {
    orders = [orderOf(1, 7, 2999.97, 'PAID'), orderOf(2, 7, 0.1, 'PAID'), orderOf(3, 7, 0.2, 'PENDING'), orderOf(4, 8, 50, 'PAID')];
    payments = [paymentOf(1, 1, 2999.97, 'COMPLETED'), paymentOf(2, 2, 0.1, 'COMPLETED'), paymentOf(3, 3, 0.2, 'FAILED'), paymentOf(4, 4, 50, 'COMPLETED')];
    gw = await startGateway();
    serveShop(gw);
  });
  afterEach(async () => {
    await gw.close();
  });

  test('When a user with several orders, some paid, is asked for, then the user, their orders, their payments and an exact summary', async () => {
    const { status, body } = await request<UserDetails>(gw.url, 'GET', '/api/users/7/details');
    expect(status).toBe(200);
    expect(body.user).toEqual(userOf(7));
    expect(body.orders?.map((o) => o.id)).toEqual([3, 2, 1]);
    expect(body.payments?.map((p) => p.id).sort()).toEqual([1, 2, 3]);
    // 2999.97 + 0.10 in cents: 3000.07 exactly, and the FAILED 0.20 does not count.
    expect(body.summary).toEqual({ total_orders: 3, total_payments: 2, total_spent: 3000.07 });
    expect(body.degraded).toEqual([]);
  });

  test('When user details are built, then Order is asked for orders alone (no embedding) and Payment once for all their orders', async () => {
    await request(gw.url, 'GET', '/api/users/7/details');
    const orderCall = gw.fakes['order-service'].calls.find((c) => c.path === '/api/orders');
    expect(orderCall?.query.get('user_id')).toBe('7');
    expect(orderCall?.query.get('embed')).toBe('false');
    const paymentCalls = gw.fakes['payment-service'].calls;
    expect(paymentCalls).toHaveLength(1);
    expect(paymentCalls[0]?.query.getAll('order_id').sort()).toEqual(['1', '2', '3']);
  });

  test('When a user has 1 order or 200, then user details make the same three calls', async () => {
    const callsFor = async (userId: number) => {
      gw.resetCalls();
      const { status, body } = await request<UserDetails>(gw.url, 'GET', `/api/users/${userId}/details`);
      expect(status).toBe(200);
      return { calls: gw.allCalls().map((c) => c.split('?')[0]), orders: body.orders?.length };
    };
    orders = [orderOf(1, 20, 1, 'PENDING'), ...Array.from({ length: 200 }, (_, i) => orderOf(100 + i, 21, 1, 'PAID'))];
    const one = await callsFor(20);
    const many = await callsFor(21);
    expect(one.orders).toBe(1);
    expect(many.orders).toBe(200);
    expect(one.calls.sort()).toEqual(['GET /api/orders', 'GET /api/payments', 'GET /api/users/20']);
    expect(many.calls.sort()).toEqual(['GET /api/orders', 'GET /api/payments', 'GET /api/users/21']);
  });

  test('When a user has no orders, then empty lists, a zero summary, and the Payment service is not asked about nothing', async () => {
    const { body } = await request<UserDetails>(gw.url, 'GET', '/api/users/50/details');
    expect(body).toMatchObject({ orders: [], payments: [], summary: { total_orders: 0, total_payments: 0, total_spent: 0 }, degraded: [] });
    expect(gw.fakes['payment-service'].calls).toHaveLength(0);
  });

  test('When the Payment service is down, then user details are 200 with payments null and named in degraded', async () => {
    await gw.fakes['payment-service'].close();
    const { status, body } = await request<UserDetails>(gw.url, 'GET', '/api/users/7/details');
    expect(status).toBe(200);
    expect(body.orders).toHaveLength(3);
    expect(body.payments).toBeNull();
    expect(body.summary).toEqual({ total_orders: 3, total_payments: null, total_spent: null });
    expect(body.degraded).toEqual(['payments']);
  });

  test('When the Order service is down, then user details are 200 with orders and payments null', async () => {
    await gw.fakes['order-service'].close();
    const { status, body } = await request<UserDetails>(gw.url, 'GET', '/api/users/7/details');
    expect(status).toBe(200);
    expect(body).toMatchObject({ user: userOf(7), orders: null, payments: null, degraded: ['orders', 'payments'] });
  });

  test('When the User service is down, then user details are 503 naming it', async () => {
    await gw.fakes['user-service'].close();
    const { status, body } = await request<Problem>(gw.url, 'GET', '/api/users/7/details');
    expect(status).toBe(503);
    expect(body.service).toBe('user-service');
  });

  test('When the user does not exist, then 404; a bad id is 400', async () => {
    expect(await request<Problem>(gw.url, 'GET', '/api/users/500/details')).toMatchObject({ status: 404, body: { status: 404 } });
    expect(await request<Problem>(gw.url, 'GET', '/api/users/x/details')).toMatchObject({ status: 400, body: { field: 'id' } });
  });

  test('When a paid order is asked for, then the order with its user, product and COMPLETED payment', async () => {
    const { status, body } = await request<OrderDetails>(gw.url, 'GET', '/api/orders/1/details');
    expect(status).toBe(200);
    expect(body).toEqual({ order: orders[0], user: userOf(7), product: productOf(2), payment: payments[0], degraded: [] });
  });

  test('When an unpaid order is asked for, then payment is null, or the latest failed attempt', async () => {
    orders.push(orderOf(9, 7, 5, 'PENDING'));
    expect((await request<OrderDetails>(gw.url, 'GET', '/api/orders/9/details')).body).toMatchObject({ payment: null, degraded: [] });
    expect((await request<OrderDetails>(gw.url, 'GET', '/api/orders/3/details')).body.payment).toMatchObject({ id: 3, status: 'FAILED' });
  });

  test('When the Payment service is down, then order details are 200 with payment null and named in degraded', async () => {
    await gw.fakes['payment-service'].close();
    const { status, body } = await request<OrderDetails>(gw.url, 'GET', '/api/orders/1/details');
    expect(status).toBe(200);
    expect(body).toMatchObject({ user: userOf(7), product: productOf(2), payment: null, degraded: ['payment'] });
  });

  test('When the Order service is down, then order details are 503 naming it; an unknown order is 404', async () => {
    expect(await request<Problem>(gw.url, 'GET', '/api/orders/404/details')).toMatchObject({ status: 404 });
    await gw.fakes['order-service'].close();
    expect(await request<Problem>(gw.url, 'GET', '/api/orders/1/details')).toMatchObject({ status: 503, body: { service: 'order-service' } });
  });

  test('When order details are built, then User, Product and Payment are each asked once, all at the same time', async () => {
    // Each neighbour holds its answer 150 ms and notes when the question arrived: asked one after
    // another, the arrivals would be at least 150 ms apart; asked at once, they all arrive together.
    const arrivals: number[] = [];
    const slow = (body: unknown) => {
      arrivals.push(performance.now());
      return { delayMs: 150, body };
    };
    gw.fakes['user-service'].on('GET', '/api/users/:id', (_c, { id }) => slow(userOf(Number(id))));
    gw.fakes['product-service'].on('GET', '/api/products/:id', (_c, { id }) => slow(productOf(Number(id))));
    gw.fakes['payment-service'].on('GET', '/api/payments', (call) => slow(payments.filter((p) => p.order_id === Number(call.query.get('order_id')))));
    const { body } = await request<OrderDetails>(gw.url, 'GET', '/api/orders/1/details');
    expect(body.degraded).toEqual([]);
    expect(gw.allCalls().map((c) => c.split('?')[0]).sort()).toEqual(['GET /api/orders/1', 'GET /api/payments', 'GET /api/products/2', 'GET /api/users/7']);
    expect(arrivals).toHaveLength(3);
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeLessThan(150);
  });

  test('When user details are built, then the user and the orders are asked for at the same time', async () => {
    const arrivals: number[] = [];
    gw.fakes['user-service'].on('GET', '/api/users/:id', (_c, { id }) => {
      arrivals.push(performance.now());
      return { delayMs: 150, body: userOf(Number(id)) };
    });
    gw.fakes['order-service'].on('GET', '/api/orders', () => {
      arrivals.push(performance.now());
      return { delayMs: 150, body: [], headers: { 'x-total-count': '0' } };
    });
    expect((await request<UserDetails>(gw.url, 'GET', '/api/users/7/details')).status).toBe(200);
    expect(arrivals).toHaveLength(2);
    expect(Math.max(...arrivals) - Math.min(...arrivals)).toBeLessThan(150);
  });

  test('When the shared budget runs out on a slow branch, then that part is missing and the view still answers within the budget', async () => {
    await gw.close();
    gw = await startGateway({ composeTimeoutMs: 250 });
    serveShop(gw);
    gw.fakes['payment-service'].on('GET', '/api/payments', () => ({ hang: true }));
    const started = performance.now();
    const { status, body } = await request<OrderDetails>(gw.url, 'GET', '/api/orders/1/details');
    expect(status).toBe(200);
    expect(body.degraded).toEqual(['payment']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('When the OpenAPI document is read, then both composed views are in it', async () => {
    for (const service of ['user-service', 'product-service', 'order-service', 'payment-service'] as const) {
      gw.fakes[service].on('GET', '/openapi.json', () => ({ body: { openapi: '3.1.0', info: { title: service, version: '1' }, paths: {} } }));
    }
    const { body } = await request<{ paths: Record<string, { get?: { tags?: string[] } }> }>(gw.url, 'GET', '/openapi.json');
    expect(body.paths['/api/users/{id}/details']?.get).toBeDefined();
    expect(body.paths['/api/orders/{id}/details']?.get).toBeDefined();
  });
});

describe('Gateway: the order timeline (GET /api/orders/:id/timeline)', () => {
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
  const entry = (step: SagaEntry['step'], outcome: SagaEntry['outcome'], attempt: number, detail: string, at: string): SagaEntry => ({ step, outcome, attempt, detail, trace_id: TRACE, at });
  /** Order 5: 30.00, for a product with tracked stock, PAID at the second attempt. */
  const paidOrder: Order = { ...orderOf(5, 7, 30, 'PAID'), stock: 'RESERVED' };
  const declined: Payment = { ...paymentOf(11, 5, 30, 'FAILED'), reason: 'card_declined' };
  const completed: Payment = paymentOf(12, 5, 30, 'COMPLETED');
  const declinedSaga: PaymentSaga = {
    payment: declined,
    entries: [
      entry('record', 'done', 1, 'Payment 11 recorded', '2024-05-01T10:00:01.000Z'),
      entry('await_stock', 'done', 1, 'Stock RESERVED', '2024-05-01T10:00:01.010Z'),
      entry('charge', 'failed', 1, 'Declined: card_declined', '2024-05-01T10:00:01.050Z'),
      entry('finish', 'done', 1, 'FAILED: card_declined', '2024-05-01T10:00:01.060Z'),
    ],
  };
  const completedSaga: PaymentSaga = {
    payment: completed,
    entries: [
      entry('record', 'done', 1, 'Payment 12 recorded', '2024-05-01T10:00:05.000Z'),
      entry('charge', 'retry', 1, 'payment-provider answered 503', '2024-05-01T10:00:05.050Z'),
      entry('charge', 'done', 2, 'Charged 30.00 (ch_12)', '2024-05-01T10:00:05.300Z'),
      entry('confirm', 'done', 1, 'Order 5 set PAID', '2024-05-01T10:00:05.320Z'),
      entry('finish', 'done', 1, 'COMPLETED', '2024-05-01T10:00:05.330Z'),
    ],
  };
  const reservation: Reservation = { order_id: 5, product_id: 2, quantity: 1, state: 'COMMITTED', created_at: '2024-05-01T10:00:00.100Z', updated_at: '2024-05-01T10:00:05.400Z' };
  const books: StockLedger = { products: [{ product_id: 2, received: 10, available: 9, reserved: 0, sold: 1 }], reservations: [reservation] };

  let gw: GatewayHarness;
  let orders: Order[];
  let payments: Payment[];
  let sagas: PaymentSaga[];

  /** Serves the orders and payments above (payments newest first, as the Payment service lists them), each payment's saga, and Product's books. */
  function serveTimeline(g: GatewayHarness): void {
    g.fakes['order-service'].on('GET', '/api/orders/:id', (_c, { id }) => {
      const order = orders.find((o) => o.id === Number(id));
      return order ? { body: order } : notFound;
    });
    g.fakes['payment-service'].on('GET', '/api/payments', (call) => {
      const ids = call.query.getAll('order_id').map(Number);
      const found = payments.filter((p) => ids.includes(p.order_id)).sort((a, b) => b.id - a.id);
      return { body: found, headers: { 'x-total-count': String(found.length) } };
    });
    g.fakes['payment-service'].on('GET', '/api/payments/:id/saga', (_c, { id }) => {
      const saga = sagas.find((s) => s.payment.id === Number(id));
      return saga ? { body: saga } : notFound;
    });
    g.fakes['product-service'].on('GET', '/internal/stock', (call) => {
      const ids = call.query.getAll('order_id').map(Number);
      return { body: { products: books.products, reservations: books.reservations.filter((r) => ids.includes(r.order_id)) } };
    });
  }

  beforeEach(async () => {
    orders = [paidOrder, orderOf(6, 7, 12.5, 'PENDING')];
    payments = [declined, completed];
    sagas = [declinedSaga, completedSaga];
    gw = await startGateway();
    serveTimeline(gw);
  });
  afterEach(async () => {
    await gw.close();
  });

  const timelineOf = (id: number | string) => request<OrderTimeline>(gw.url, 'GET', `/api/orders/${id}/timeline`);

  test('When an order paid at its second attempt is asked for, then the order, each payment with its saga oldest first, and its reservation', async () => {
    const { status, body } = await timelineOf(5);
    expect(status).toBe(200);
    expect(matchesContract(OrderTimeline, body)).toBe(true);
    expect(body).toEqual({ order: paidOrder, payments: [declinedSaga, completedSaga], reservation, degraded: [] });
  });

  test('When the timeline is built, then each service is asked once per part, and Product with the gateway’s service token', async () => {
    await timelineOf(5);
    expect(gw.allCalls().sort()).toEqual([
      'GET /api/orders/5',
      'GET /api/payments/11/saga',
      'GET /api/payments/12/saga',
      'GET /api/payments?order_id=5',
      'GET /internal/stock?order_id=5',
    ]);
    // Its stock ledger is internal: the gateway's own token for it.
    expect(callerAt('product-service', gw.fakes['product-service'].calls[0])).toBe('gateway');
  });

  test('When the order is for a product without tracked stock (no stock field), then reservation is null, not degraded, and Product is not asked', async () => {
    const unstocked = orderOf(8, 7, 15, 'PAID');
    const saga: PaymentSaga = { payment: paymentOf(13, 8, 15, 'COMPLETED'), entries: [entry('record', 'done', 1, 'Payment 13 recorded', AT)] };
    orders.push(unstocked);
    payments.push(saga.payment);
    sagas.push(saga);
    const { status, body } = await timelineOf(8);
    expect(status).toBe(200);
    expect(body).toEqual({ order: unstocked, payments: [saga], reservation: null, degraded: [] });
    expect(gw.fakes['product-service'].calls).toEqual([]);
  });

  test('When the order has no payment yet and Product holds no reservation for it, then payments is empty, reservation null, and no saga is asked for', async () => {
    const awaiting: Order = { ...orderOf(6, 7, 12.5, 'PENDING'), stock: 'AWAITING' };
    orders = [awaiting];
    const { status, body } = await timelineOf(6);
    expect(status).toBe(200);
    expect(body).toEqual({ order: awaiting, payments: [], reservation: null, degraded: [] });
    expect(gw.fakes['payment-service'].calls.map((c) => c.path)).toEqual(['/api/payments']);
  });

  test('When the Payment service is down, then payments are null and named in degraded, and the reservation still comes back', async () => {
    gw.fakes['payment-service'].goDown();
    const { status, body } = await timelineOf(5);
    expect(status).toBe(200);
    expect(body).toEqual({ order: paidOrder, payments: null, reservation, degraded: ['payments'] });
  });

  test("When one payment's saga answers 500, then payments are null and named in degraded", async () => {
    gw.fakes['payment-service'].on('GET', '/api/payments/12/saga', () => ({ status: 500, body: { type: '/problems/internal', title: 'Internal error', status: 500 } }));
    const { status, body } = await timelineOf(5);
    expect(status).toBe(200);
    expect(body).toEqual({ order: paidOrder, payments: null, reservation, degraded: ['payments'] });
  });

  test.each([
    ['answers 500', (g: GatewayHarness) => g.fakes['product-service'].on('GET', '/internal/stock', () => ({ status: 500, body: { type: '/problems/internal', title: 'Internal error', status: 500 } }))],
    ['is down', (g: GatewayHarness) => g.fakes['product-service'].goDown()],
  ])('When the Product service %s, then the reservation is null and named in degraded, and the payments still come back', async (_case, breakProduct) => {
    breakProduct(gw);
    const { status, body } = await timelineOf(5);
    expect(status).toBe(200);
    expect(body).toEqual({ order: paidOrder, payments: [declinedSaga, completedSaga], reservation: null, degraded: ['reservation'] });
  });

  test('When both the Payment and the Product service are down, then both parts are null and named, payments first', async () => {
    gw.fakes['payment-service'].goDown();
    gw.fakes['product-service'].goDown();
    const { status, body } = await timelineOf(5);
    expect(status).toBe(200);
    expect(body).toEqual({ order: paidOrder, payments: null, reservation: null, degraded: ['payments', 'reservation'] });
  });

  test('When the order does not exist, then 404 and nothing else is asked; a bad id is 400 naming it', async () => {
    expect(await timelineOf(404)).toMatchObject({ status: 404, body: { status: 404 } });
    expect(gw.allCalls()).toEqual(['GET /api/orders/404']);
    expect(await timelineOf('x')).toMatchObject({ status: 400, body: { field: 'id' } });
  });

  test('When the Order service is down, then 503 naming it, and neither Payment nor Product is asked', async () => {
    gw.fakes['order-service'].goDown();
    const { status, body } = await request<Problem>(gw.url, 'GET', '/api/orders/5/timeline');
    expect(status).toBe(503);
    expect(body.service).toBe('order-service');
    expect([...gw.fakes['payment-service'].calls, ...gw.fakes['product-service'].calls]).toEqual([]);
  });

  test('When the timeline is built, then the payments and the reservation are asked for at the same time, and both sagas at once', async () => {
    // Each answer is held 150 ms: asked one after another, the arrivals would be at least 150 ms apart.
    const arrivals = { lists: [] as number[], sagas: [] as number[] };
    const slow = (times: number[], body: unknown) => {
      times.push(performance.now());
      return { delayMs: 150, body };
    };
    gw.fakes['payment-service'].on('GET', '/api/payments', () => slow(arrivals.lists, [completed, declined]));
    gw.fakes['product-service'].on('GET', '/internal/stock', () => slow(arrivals.lists, books));
    gw.fakes['payment-service'].on('GET', '/api/payments/:id/saga', (_c, { id }) => slow(arrivals.sagas, sagas.find((s) => s.payment.id === Number(id))));
    const { body } = await timelineOf(5);
    expect(body.degraded).toEqual([]);
    for (const times of [arrivals.lists, arrivals.sagas]) {
      expect(times).toHaveLength(2);
      expect(Math.max(...times) - Math.min(...times)).toBeLessThan(150);
    }
  });
});
