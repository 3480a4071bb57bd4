import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Order, OrderDetails, Problem, Product, User, UserDetails } from '@microshop/contracts';
import { freePort, request, startLatencyProxy, startServiceProcess, type LatencyProxy, type ServiceProcess } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

type Backend = 'user-service' | 'product-service' | 'order-service' | 'payment-service';
const BACKENDS: Backend[] = ['user-service', 'product-service', 'order-service', 'payment-service'];
const ENV_NAME: Record<Backend, string> = {
  'user-service': 'USER_SERVICE_URL',
  'product-service': 'PRODUCT_SERVICE_URL',
  'order-service': 'ORDER_SERVICE_URL',
  'payment-service': 'PAYMENT_SERVICE_URL',
};
const LATENCY_MS = 100;

/** The median of a few timed runs of `run`, in milliseconds. */
async function medianMs(run: () => Promise<unknown>, times = 5): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await run();
    samples.push(performance.now() - started);
  }
  return samples.sort((a, b) => a - b)[Math.floor(times / 2)] ?? Number.NaN;
}

/**
 * The composed views on real processes: the four services and the gateway each in its own process,
 * and between the gateway and each service a proxy that can add real network latency and sees every
 * request the gateway sends.
 */
describe('Composed views across real processes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'microshop-composition-'));
  const services = {} as Record<Backend, ServiceProcess>;
  const proxies = {} as Record<Backend, LatencyProxy>;
  let gateway: ServiceProcess;
  let url: string;
  let provider: ServiceProcess | undefined;
  let light: User;
  let heavy: User;
  // The gateway's own scrapes of each service (`GET /health`, `GET /metrics`, for its live overview) are not part of a view.
  const isMonitoring = (line: string) => line === 'GET /health' || line === 'GET /metrics';
  const callsTo = () => Object.fromEntries(BACKENDS.map((s) => [s, proxies[s].requests.map((r) => r.split('?')[0] ?? r).filter((r) => !isMonitoring(r))]));
  const forgetCalls = () => BACKENDS.forEach((s) => (proxies[s].requests.length = 0));

  beforeAll(async () => {
    const ports = Object.fromEntries(await Promise.all(BACKENDS.map(async (s) => [s, await freePort()] as const))) as Record<Backend, number>;
    // The payment provider (where Payment charges) is not part of any view: reached directly.
    const providerPort = await freePort();
    provider = await startServiceProcess('payment-provider', { PORT: String(providerPort), DATABASE_FILE: path.join(dir, 'provider.db') });
    const direct = { ...Object.fromEntries(BACKENDS.map((s) => [ENV_NAME[s], `http://127.0.0.1:${ports[s]}`])), PAYMENT_PROVIDER_URL: provider.url };
    for (const service of BACKENDS) {
      services[service] = await startServiceProcess(service, { ...direct, PORT: String(ports[service]), DATABASE_FILE: path.join(dir, `${service}.db`) });
      proxies[service] = await startLatencyProxy({ target: `127.0.0.1:${ports[service]}`, latencyMs: 0 });
    }
    const viaProxies = Object.fromEntries(BACKENDS.map((s) => [ENV_NAME[s], proxies[s].url]));
    gateway = await startServiceProcess('gateway', { ...viaProxies, PORT: String(await freePort()) });
    url = gateway.url;

    light = (await request<User>(url, 'POST', '/api/users', { name: 'Light', email: 'light@example.com' })).body;
    heavy = (await request<User>(url, 'POST', '/api/users', { name: 'Heavy', email: 'heavy@example.com' })).body;
    const laptop = (await request<Product>(url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
    const cable = (await request<Product>(url, 'POST', '/api/products', { name: 'Cable', price: 0.1 })).body;
    const first = (await request<Order>(url, 'POST', '/api/orders', { user_id: light.id, product_id: laptop.id, quantity: 3 })).body;
    await request(url, 'POST', '/api/payments', { order_id: first.id });
    for (let i = 0; i < 200; i++) {
      const order = (await request<Order>(url, 'POST', '/api/orders', { user_id: heavy.id, product_id: cable.id, quantity: 1 + (i % 3) })).body;
      if (i % 2 === 0) expect((await request(url, 'POST', '/api/payments', { order_id: order.id })).status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(BACKENDS.map((s) => proxies[s]?.close()));
    await Promise.all(BACKENDS.map((s) => services[s]?.stop()));
    await provider?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('User details hold the user, every order, their payments and an exact summary', async () => {
    const { status, body } = await request<UserDetails>(url, 'GET', `/api/users/${heavy.id}/details`);
    expect(status).toBe(200);
    expect(body.user).toMatchObject({ id: heavy.id, name: 'Heavy' });
    expect(body.orders).toHaveLength(200);
    expect(body.payments).toHaveLength(100);
    // 100 paid orders of quantities 1, 3, 2, 1, 3, 2, … at 0.10: 34×1 + 33×3 + 33×2 = 199 cables = 19.90.
    expect(body.summary).toEqual({ total_orders: 200, total_payments: 100, total_spent: 19.9 });
    expect(body.degraded).toEqual([]);
  });

  test('Order details hold the order, its user, product and payment, paid or not', async () => {
    const [newest] = (await request<UserDetails>(url, 'GET', `/api/users/${heavy.id}/details`)).body.orders ?? [];
    const unpaid = await request<OrderDetails>(url, 'GET', `/api/orders/${newest?.id}/details`);
    expect(unpaid.body).toMatchObject({ order: { status: 'PENDING' }, user: { id: heavy.id }, product: { name: 'Cable' }, payment: null, degraded: [] });
    const lightDetails = await request<UserDetails>(url, 'GET', `/api/users/${light.id}/details`);
    const paid = await request<OrderDetails>(url, 'GET', `/api/orders/${lightDetails.body.orders?.[0]?.id}/details`);
    expect(paid.body).toMatchObject({ order: { total: 2999.97, status: 'PAID' }, payment: { amount: 2999.97, status: 'COMPLETED' }, degraded: [] });
  });

  test('No N+1: user details make one call to each of User, Order and Payment, for 1 order as for 200', async () => {
    const expected = { 'user-service': ['GET /api/users/ID'], 'product-service': [], 'order-service': ['GET /api/orders'], 'payment-service': ['GET /api/payments'] };
    for (const user of [light, heavy]) {
      forgetCalls();
      expect((await request(url, 'GET', `/api/users/${user.id}/details`)).status).toBe(200);
      const calls = callsTo();
      calls['user-service'] = calls['user-service']?.map((c) => c.replace(/\d+$/, 'ID')) ?? [];
      expect(calls).toEqual(expected);
    }
    forgetCalls();
    await request(url, 'GET', `/api/orders/1/details`);
    expect(Object.values(callsTo()).map((c) => c.length)).toEqual([1, 1, 1, 1]);
  });

  test(`Parallel branches: with ${LATENCY_MS} ms added to User and Order, user details take about ${LATENCY_MS} ms, not ${2 * LATENCY_MS}`, async () => {
    const baseline = await medianMs(() => request(url, 'GET', `/api/users/${light.id}/details`));
    proxies['user-service'].setLatency(LATENCY_MS);
    proxies['order-service'].setLatency(LATENCY_MS);
    const slowed = await medianMs(() => request(url, 'GET', `/api/users/${light.id}/details`));
    proxies['user-service'].setLatency(0);
    proxies['order-service'].setLatency(0);
    console.log(`user details: ${baseline.toFixed(1)} ms with no added latency, ${slowed.toFixed(1)} ms with ${LATENCY_MS} ms on User and on Order (in sequence: >= ${2 * LATENCY_MS} ms)`);
    expect(slowed).toBeGreaterThanOrEqual(LATENCY_MS);
    expect(slowed).toBeLessThan(2 * LATENCY_MS);
  });

  test(`Parallel branches: with ${LATENCY_MS} ms added to User, Product and Payment, order details take about ${LATENCY_MS} ms, not ${3 * LATENCY_MS}`, async () => {
    const baseline = await medianMs(() => request(url, 'GET', '/api/orders/1/details'));
    for (const s of ['user-service', 'product-service', 'payment-service'] as const) proxies[s].setLatency(LATENCY_MS);
    const slowed = await medianMs(() => request(url, 'GET', '/api/orders/1/details'));
    for (const s of ['user-service', 'product-service', 'payment-service'] as const) proxies[s].setLatency(0);
    console.log(`order details: ${baseline.toFixed(1)} ms with no added latency, ${slowed.toFixed(1)} ms with ${LATENCY_MS} ms on User, Product and Payment (in sequence: >= ${3 * LATENCY_MS} ms)`);
    expect(slowed).toBeGreaterThanOrEqual(LATENCY_MS);
    expect(slowed).toBeLessThan(2 * LATENCY_MS);
  });

  test('Payment killed: both views answer 200, degraded, with the payment parts null', async () => {
    await services['payment-service'].kill();
    const user = await request<UserDetails>(url, 'GET', `/api/users/${light.id}/details`);
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ payments: null, summary: { total_payments: null, total_spent: null }, degraded: ['payments'] });
    expect(user.body.orders).toHaveLength(1);
    const order = await request<OrderDetails>(url, 'GET', '/api/orders/1/details');
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ payment: null, degraded: ['payment'] });
    expect(order.body.user).not.toBeNull();
  });

  test('User killed: user details answer 503 naming the User service, fast', async () => {
    await services['user-service'].kill();
    const started = performance.now();
    const { status, body } = await request<Problem>(url, 'GET', `/api/users/${light.id}/details`);
    const elapsed = performance.now() - started;
    expect(status).toBe(503);
    expect(body.service).toBe('user-service');
    console.log(`user details with the User service killed: 503 in ${elapsed.toFixed(1)} ms`);
    expect(elapsed).toBeLessThan(1000);
  });
});
