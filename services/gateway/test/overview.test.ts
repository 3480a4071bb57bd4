import { matchesContract } from '@microshop/chassis';
import { BACKENDS, Overview, ServiceSeries, type BackendName } from '@microshop/contracts';
import { request, scrapeMetrics, sampleDelta } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { SCRAPE_MS, sleep, startGateway, until, type GatewayHarness } from './gateway-harness.js';

const PIDS: Record<BackendName, number> = { 'user-service': 7101, 'product-service': 7102, 'order-service': 7103, 'payment-service': 7104 };

/** What a fake service's `/metrics` says: totals that grow by `step` at every scrape. */
interface FakeCounters {
  requests: number;
  errors: number;
  productCalls: number;
}

function metricsText(service: BackendName, c: FakeCounters): string {
  const lines = [
    '# TYPE microshop_service_info gauge',
    `microshop_service_info{service="${service}",version="0.1.0",pid="${PIDS[service]}"} 1`,
    '# TYPE microshop_http_server_requests_total counter',
    `microshop_http_server_requests_total{method="GET",route="/api/things/:id",status_code="200"} ${c.requests - c.errors}`,
    `microshop_http_server_requests_total{method="GET",route="/api/things/:id",status_code="503"} ${c.errors}`,
    '# TYPE microshop_http_server_request_duration_seconds histogram',
    // Every request took between 10 and 25 ms.
    `microshop_http_server_request_duration_seconds_bucket{le="0.01",method="GET",route="/api/things/:id",status_class="2xx"} 0`,
    `microshop_http_server_request_duration_seconds_bucket{le="0.025",method="GET",route="/api/things/:id",status_class="2xx"} ${c.requests}`,
    `microshop_http_server_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/things/:id",status_class="2xx"} ${c.requests}`,
  ];
  if (service === 'order-service') {
    lines.push(
      '# TYPE microshop_http_client_requests_total counter',
      `microshop_http_client_requests_total{target="product-service",method="GET",outcome="ok"} ${c.productCalls}`,
      `microshop_http_client_request_duration_seconds_bucket{le="0.005",target="product-service",method="GET",outcome="ok"} ${c.productCalls}`,
      `microshop_http_client_request_duration_seconds_bucket{le="+Inf",target="product-service",method="GET",outcome="ok"} ${c.productCalls}`,
      '# TYPE microshop_http_client_concurrency_limit gauge',
      'microshop_http_client_concurrency_limit{target="product-service"} 24',
    );
  }
  return `${lines.join('\n')}\n`;
}



describe('Gateway: the live overview, from scraping the services', () => {
  let gw: GatewayHarness;
  const counters = {} as Record<BackendName, FakeCounters>;
  const overview = async (query = '') => (await request<Overview>(gw.url, 'GET', `/api/overview${query}`)).body;

  beforeEach(async () => {
    gw = await startGateway({ overviewScrapeMs: SCRAPE_MS });
    for (const service of BACKENDS) {
      counters[service] = { requests: 0, errors: 0, productCalls: 0 };
      gw.fakes[service].on('GET', '/health', () => ({
        body: { status: 'ok', service, version: '0.1.0', pid: PIDS[service], uptime_s: 12.5, checks: {} },
      }));
      gw.fakes[service].on('GET', '/metrics', () => {
        const c = counters[service];
        // The order service gets 10 requests per scrape, one in ten failing, each calling the product service once.
        if (service === 'order-service') {
          c.requests += 10;
          c.errors += 1;
          c.productCalls += 10;
        }
        return { headers: { 'content-type': 'text/plain; version=0.0.4' }, text: metricsText(service, c) };
      });
    }
  });
  afterEach(async () => {
    await gw.close();
  });

  test('When services report growing counters, then the overview shows their rates, errors, percentiles and instances, and the edge between them', async () => {
    const body = await until(overview, (o) => (o.services.find((s) => s.name === 'order-service')?.requests_per_s ?? 0) > 0);
    expect(matchesContract(Overview, body)).toBe(true);
    expect(body.services.map((s) => s.name)).toEqual(['gateway', ...BACKENDS]);
    expect(body.scrape_interval_s).toBe(SCRAPE_MS / 1000);

    const order = body.services.find((s) => s.name === 'order-service');
    // 10 requests per 100 ms scrape: about 100 per second (scrape timing on a busy machine varies).
    expect(order?.requests_per_s).toBeGreaterThan(30);
    expect(order?.requests_per_s).toBeLessThan(200);
    expect(order?.error_rate).toBe(0.1);
    expect(order?.p50_ms).toBeGreaterThanOrEqual(10);
    expect(order?.p99_ms).toBeLessThanOrEqual(25);
    const port = Number(new URL(gw.fakes['order-service'].url).port);
    expect(order?.instances).toEqual([expect.objectContaining({ url: gw.fakes['order-service'].url, port, status: 'ok', pid: PIDS['order-service'], uptime_s: 12.5 })]);
    expect(body.services.find((s) => s.name === 'user-service')).toMatchObject({ status: 'ok', requests_per_s: 0, p99_ms: null });

    const edge = body.edges.find((e) => e.from === 'order-service' && e.to === 'product-service');
    expect(edge?.calls_per_s).toBeGreaterThan(30);
    expect(edge).toMatchObject({ error_rate: 0, concurrency_limit: 24 });
    expect(edge?.p99_ms).toBeLessThanOrEqual(5);
  });

  test('When the gateway forwards requests, then its own figures and its edge to the service come from its own metrics', async () => {
    gw.fakes['user-service'].on('GET', '/api/users/:id', (_call, { id }) => ({ body: { id: Number(id), name: 'Ann', email: 'ann@example.com', created_at: '2025-01-01T00:00:00.000Z' } }));
    for (let i = 1; i <= 5; i++) expect((await request(gw.url, 'GET', `/api/users/${i}`)).status).toBe(200);
    const body = await until(overview, (o) => o.edges.some((e) => e.from === 'gateway' && e.to === 'user-service' && e.calls_per_s > 0));
    const gateway = body.services.find((s) => s.name === 'gateway');
    expect(gateway?.requests_per_s).toBeGreaterThan(0);
    expect(gateway?.instances[0]).toMatchObject({ status: 'ok', pid: process.pid, port: Number(new URL(gw.url).port) });
    const edge = body.edges.find((e) => e.from === 'gateway' && e.to === 'user-service');
    expect(edge?.calls_per_s).toBeGreaterThan(0);
    // Its own bulkhead to the service, answering in time: at the maximum, 32.
    expect(edge?.concurrency_limit).toBe(32);
    // The gateway's own scrapes and health checks are monitoring: never an edge, never traffic.
    expect(body.edges.filter((e) => e.from === 'gateway').map((e) => e.to)).toEqual(['user-service']);
  });

  test('When a service stops answering, then within a few scrapes it is down with the reason, the answer is still 200, and the others stay ok', async () => {
    await until(overview, (o) => o.services.every((s) => s.status === 'ok'));
    // Down, but still holding its port: a freed port could be taken by another test file's server.
    gw.fakes['payment-service'].goDown();
    const body = await until(overview, (o) => o.services.find((s) => s.name === 'payment-service')?.status === 'down', 2000);
    const payment = body.services.find((s) => s.name === 'payment-service');
    expect(payment?.status).toBe('down');
    expect(payment?.instances[0]).toMatchObject({ status: 'down', pid: PIDS['payment-service'], uptime_s: null });
    expect(payment?.instances[0]?.detail).toContain('unreachable');
    expect(body.services.filter((s) => s.status === 'ok').map((s) => s.name)).toEqual(['gateway', 'user-service', 'product-service', 'order-service']);
    expect(matchesContract(Overview, body)).toBe(true);
  });

  test('When the series of a service is asked for, then it comes as columns of equal length, one point per scrape', async () => {
    await until(overview, (o) => (o.services.find((s) => s.name === 'order-service')?.requests_per_s ?? 0) > 0);
    await sleep(5 * SCRAPE_MS);
    const { status, body } = await request<ServiceSeries>(gw.url, 'GET', '/api/overview/series?service=order-service&window=60');
    expect(status).toBe(200);
    expect(matchesContract(ServiceSeries, body)).toBe(true);
    expect(body.time.length).toBeGreaterThanOrEqual(5);
    for (const column of [body.requests_per_s, body.errors_per_s, body.client_errors_per_s, body.p50_ms, body.p99_ms]) expect(column).toHaveLength(body.time.length);
    expect(body.requests_per_s.filter((v) => v !== null && v > 0).length).toBeGreaterThanOrEqual(3);
    expect(body.time).toEqual([...body.time].sort((a, b) => a - b));
  });

  test('When the series names no known service, or the window is not a number, then 400 naming the field', async () => {
    const unknown = await request<{ field?: string }>(gw.url, 'GET', '/api/overview/series?service=nope-service');
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('service');
    const bad = await request<{ field?: string }>(gw.url, 'GET', '/api/overview?window=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('window');
  });

  test('When the overview is read, then the read counts as monitoring, not as traffic of the gateway', async () => {
    const before = await scrapeMetrics(gw.url);
    await overview();
    await overview('?window=10');
    const after = await scrapeMetrics(gw.url);
    expect(sampleDelta(before, after, 'microshop_http_server_requests_total', { route: '/api/overview' })).toBe(0);
    expect(sampleDelta(before, after, 'microshop_http_monitoring_requests_total', { route: '/api/overview', status_code: '200' })).toBe(2);
  });
});

describe('Gateway: the live overview with scraping off', () => {
  test('When the plain API page is opened, then it lists the overview, its series and /metrics', async () => {
    const gw = await startGateway();
    try {
      const html = await (await fetch(`${gw.url}/api`)).text();
      for (const path of ['/api/overview', '/api/overview/series', '/metrics']) expect(html).toContain(`<td><code>${path}</code></td>`);
    } finally {
      await gw.close();
    }
  });

  test('When the gateway does not scrape, then every service is unknown, with no figures, and nothing is asked of them', async () => {
    const gw = await startGateway();
    try {
      await sleep(100);
      const { status, body } = await request<Overview>(gw.url, 'GET', '/api/overview');
      expect(status).toBe(200);
      expect(body.services.map((s) => s.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
      expect(body.edges).toEqual([]);
      expect(gw.allCalls()).toEqual([]);
    } finally {
      await gw.close();
    }
  });
});
