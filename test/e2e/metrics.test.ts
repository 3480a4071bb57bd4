import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Order, Overview, Product, ServiceName, User } from '@microshop/contracts';
import { freePort, metricsText, promtoolCheckMetrics, request, sampleDelta, scrapeMetrics, startServiceProcess, testKeys, type ServiceProcess } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { waitFor } from './support/system.js';

const REQUESTS = 'microshop_http_server_requests_total';
const CALLS = 'microshop_http_client_requests_total';
const QUERIES = 'microshop_db_query_duration_seconds_count';

/** The suite's own service keys: every process reads them (SERVICE_KEYS_FILE). */
const keys = testKeys();
const ORDERS = 5;
const READS = 3;

type Backend = Exclude<ServiceName, 'gateway' | 'registry' | 'payment-provider'>;
const BACKENDS: Backend[] = ['user-service', 'product-service', 'order-service', 'payment-service'];
const URL_VARIABLE: Record<Backend, string> = {
  'user-service': 'USER_SERVICE_URL',
  'product-service': 'PRODUCT_SERVICE_URL',
  'order-service': 'ORDER_SERVICE_URL',
  'payment-service': 'PAYMENT_SERVICE_URL',
};

/**
 * Metrics on real processes: the four services and the gateway each in its own process, on free
 * ports (as `npm start` runs them, without the supervisor, so that a killed process stays down).
 * The counters must move by exactly the requests sent, and the gateway's live overview must show
 * the traffic and the death of a process.
 */
describe('Metrics across real processes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'microshop-metrics-'));
  const processes = {} as Record<ServiceName, ServiceProcess>;
  const url = (name: ServiceName) => processes[name].url;
  let provider: ServiceProcess | undefined;
  let laptop: Product;
  let ann: User;
  const overview = async () => (await request<Overview>(url('gateway'), 'GET', '/api/overview')).body;
  const serviceOf = (body: Overview, name: ServiceName) => body.services.find((s) => s.name === name);

  beforeAll(async () => {
    const ports = Object.fromEntries(await Promise.all([...BACKENDS, 'gateway' as const].map(async (s) => [s, await freePort()] as const))) as Record<ServiceName, number>;
    const urls = Object.fromEntries(BACKENDS.map((s) => [URL_VARIABLE[s], `http://127.0.0.1:${ports[s]}`]));
    // Spans go to this run's gateway, not to whatever listens on 5000.
    const token = keys.env;
    provider = await startServiceProcess('payment-provider', { ...token, PORT: String(await freePort()), DATABASE_FILE: path.join(dir, 'provider.db') });
    const common = { ...urls, ...token, PAYMENT_PROVIDER_URL: provider.url, GATEWAY_URL: `http://127.0.0.1:${ports.gateway}` };
    for (const service of BACKENDS) {
      processes[service] = await startServiceProcess(service, { ...common, PORT: String(ports[service]), DATABASE_FILE: path.join(dir, `${service}.db`) });
    }
    processes.gateway = await startServiceProcess('gateway', { ...common, PORT: String(ports.gateway) });

    ann = (await request<User>(url('gateway'), 'POST', '/api/users', { name: 'Ann', email: 'ann@example.com' })).body;
    laptop = (await request<Product>(url('gateway'), 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
  }, 90_000);

  afterAll(async () => {
    await Promise.all(Object.values(processes).map((p) => p.stop()));
    await provider?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test(`Placing ${ORDERS} orders and reading ${READS} through the gateway moves each request counter by exactly that, on the gateway and the services behind it`, async () => {
    const scrapeAll = async () =>
      Object.fromEntries(await Promise.all((['gateway', 'order-service', 'product-service', 'user-service'] as const).map(async (s) => [s, await scrapeMetrics(url(s))] as const)));
    const before = await scrapeAll();

    const placed: Order[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const order = await request<Order>(url('gateway'), 'POST', '/api/orders', { user_id: ann.id, product_id: laptop.id, quantity: 1 + i });
      expect(order.status).toBe(201);
      placed.push(order.body);
    }
    for (let i = 0; i < READS; i++) expect((await request(url('gateway'), 'GET', `/api/orders/${placed[i]?.id}`)).status).toBe(200);
    // Each order's OrderCreated goes to the Product service too, from Order's outbox: counted once delivered.
    await waitFor(async () => {
      const outbox = await request<{ pending: number }>(url('order-service'), 'GET', '/internal/events/outbox', undefined, keys.headers('gateway', 'order-service'));
      return outbox.body.pending === 0 || undefined;
    }, 5000);
    const after = await scrapeAll();
    const moved = (service: keyof typeof before, name: string, labels: Record<string, string>) => sampleDelta(before[service] ?? [], after[service] ?? [], name, labels);

    // The gateway answered them, by route pattern, and forwarded each to the order service.
    expect(moved('gateway', REQUESTS, { method: 'POST', route: '/api/orders', status_code: '201' })).toBe(ORDERS);
    expect(moved('gateway', REQUESTS, { method: 'GET', route: '/api/orders/:id', status_code: '200' })).toBe(READS);
    expect(moved('gateway', CALLS, { target: 'order-service', method: 'POST', outcome: 'ok' })).toBe(ORDERS);
    expect(moved('gateway', CALLS, { target: 'order-service', method: 'GET', outcome: 'ok' })).toBe(READS);
    expect(moved('gateway', CALLS, { target: 'order-service' })).toBe(ORDERS + READS);

    // The order service answered the same, asked the product and user services once per order, and
    // stored each: two inserts per order, the order and its OrderCreated event in the outbox, in one transaction.
    expect(moved('order-service', REQUESTS, { method: 'POST', route: '/api/orders', status_code: '201' })).toBe(ORDERS);
    expect(moved('order-service', REQUESTS, { method: 'GET', route: '/api/orders/:id', status_code: '200' })).toBe(READS);
    expect(moved('order-service', CALLS, { target: 'product-service', method: 'GET', outcome: 'ok' })).toBe(ORDERS);
    // One event delivery per order (OrderCreated: Product reserves stock when the product has some).
    expect(moved('order-service', CALLS, { target: 'product-service', method: 'POST', outcome: 'ok' })).toBe(ORDERS);
    expect(moved('order-service', CALLS, { target: 'product-service' })).toBe(2 * ORDERS);
    expect(moved('order-service', CALLS, { target: 'user-service' })).toBe(ORDERS);
    expect(moved('order-service', QUERIES, { operation: 'insert' })).toBe(2 * ORDERS);

    // Behind it, the product and user services each answered one read per order.
    expect(moved('product-service', REQUESTS, { method: 'GET', route: '/api/products/:id', status_code: '200' })).toBe(ORDERS);
    expect(moved('product-service', REQUESTS, { method: 'POST', route: '/internal/events', status_code: '200' })).toBe(ORDERS);
    expect(moved('user-service', REQUESTS, { method: 'GET', route: '/api/users/:id', status_code: '200' })).toBe(ORDERS);

    // No raw URL ever becomes a label.
    for (const order of placed) expect(JSON.stringify(after)).not.toContain(`/api/orders/${order.id}"`);
  });

  test('An order for an unknown product counts as a 422 at the gateway and the order service, and as a client_error call to the product service', async () => {
    const gatewayBefore = await scrapeMetrics(url('gateway'));
    const orderBefore = await scrapeMetrics(url('order-service'));
    const refused = await request(url('gateway'), 'POST', '/api/orders', { user_id: ann.id, product_id: 999_999, quantity: 1 });
    expect(refused.status).toBe(422);
    const gatewayAfter = await scrapeMetrics(url('gateway'));
    const orderAfter = await scrapeMetrics(url('order-service'));

    expect(sampleDelta(gatewayBefore, gatewayAfter, REQUESTS, { method: 'POST', route: '/api/orders', status_code: '422' })).toBe(1);
    expect(sampleDelta(gatewayBefore, gatewayAfter, CALLS, { target: 'order-service', outcome: 'client_error' })).toBe(1);
    expect(sampleDelta(orderBefore, orderAfter, REQUESTS, { method: 'POST', route: '/api/orders', status_code: '422' })).toBe(1);
    expect(sampleDelta(orderBefore, orderAfter, CALLS, { target: 'product-service', method: 'GET', outcome: 'client_error' })).toBe(1);
    expect(sampleDelta(orderBefore, orderAfter, QUERIES, { operation: 'insert' })).toBe(0);
  });

  test("Every process's /metrics passes Prometheus' promtool check", async () => {
    for (const name of ['gateway', ...BACKENDS] as const) {
      const text = await metricsText(url(name));
      expect(text, name).toContain('microshop_service_info{');
      expect(await promtoolCheckMetrics(text), name).toEqual({ code: 0, output: '' });
    }
  });

  test('The overview shows traffic on the services hit and on the edges gateway→order, order→product and payment→order', async () => {
    const order = (await request<Order>(url('gateway'), 'POST', '/api/orders', { user_id: ann.id, product_id: laptop.id, quantity: 1 })).body;
    expect((await request(url('gateway'), 'POST', '/api/payments', { order_id: order.id })).status).toBe(201);

    const edge = (body: Overview, from: ServiceName, to: ServiceName) => body.edges.find((e) => e.from === from && e.to === to)?.calls_per_s ?? 0;
    const body = await waitFor(async () => {
      const o = await overview();
      const busy = ['gateway', 'order-service', 'product-service', 'payment-service'].every((s) => (serviceOf(o, s as ServiceName)?.requests_per_s ?? 0) > 0);
      return busy && edge(o, 'gateway', 'order-service') > 0 && edge(o, 'order-service', 'product-service') > 0 && edge(o, 'payment-service', 'order-service') > 0 && o;
    }, 15_000);

    expect(body.services.map((s) => [s.name, s.status])).toEqual([
      ['gateway', 'ok'],
      ['user-service', 'ok'],
      ['product-service', 'ok'],
      ['order-service', 'ok'],
      ['payment-service', 'ok'],
      ['payment-provider', 'ok'],
    ]);
    expect(edge(body, 'payment-service', 'payment-provider')).toBeGreaterThan(0);
    const orders = serviceOf(body, 'order-service');
    expect(orders?.p99_ms).toBeGreaterThan(0);
    expect(orders?.instances).toEqual([
      expect.objectContaining({ url: url('order-service'), port: Number(new URL(url('order-service')).port), pid: processes['order-service'].pid, status: 'ok' }),
    ]);
    expect(orders?.instances[0]?.uptime_s).toBeGreaterThan(0);
    expect(edge(body, 'order-service', 'user-service')).toBeGreaterThan(0);
  });

  test('A killed service shows as down in the overview within a few seconds, while the others stay ok', async () => {
    await waitFor(async () => serviceOf(await overview(), 'product-service')?.status === 'ok', 10_000);
    const killedAt = Date.now();
    await processes['product-service'].kill();

    const body = await waitFor(async () => {
      const o = await overview();
      return serviceOf(o, 'product-service')?.status === 'down' && o;
    }, 5_000, 100);
    const seconds = (Date.now() - killedAt) / 1000;
    console.log(`product-service shown down ${seconds.toFixed(1)} s after it was killed (scrape interval ${body.scrape_interval_s} s)`);
    expect(seconds).toBeLessThan(5);
    expect(serviceOf(body, 'product-service')?.instances[0]).toMatchObject({ status: 'down', pid: processes['product-service'].pid, uptime_s: null });
    expect(body.services.filter((s) => s.name !== 'product-service').map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
});
