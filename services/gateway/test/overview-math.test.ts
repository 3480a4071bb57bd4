import type { BackendName, ServiceName } from '@microshop/contracts';
import { describe, expect, test } from 'vitest';
import { buildOverview, buildSeries } from '../src/domain/overview/figures.js';
import { createMetricsHistory, type Reading, type Target } from '../src/domain/overview/history.js';
import { intervalBetween, restarted } from '../src/domain/overview/interval.js';
import { quantile } from '../src/domain/overview/quantile.js';
import { readSnapshot, type MetricSnapshot } from '../src/domain/overview/snapshot.js';
import { parseExposition } from '@microshop/chassis';

const BOUNDS = [0.001, 0.01, 0.1, Number.POSITIVE_INFINITY];
const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** A made-up scrape: totals since the process started. */
function snap(parts: Partial<Omit<MetricSnapshot, 'latency' | 'calls'>> & { latency?: number[]; calls?: Record<string, [number, number, number[]]> } = {}): MetricSnapshot {
  const { latency = [0, 0, 0, 0], calls = {}, ...rest } = parts;
  return {
    pid: 100,
    startTime: T0 / 1000 - 3600,
    requests: 0,
    serverErrors: 0,
    clientErrors: 0,
    ...rest,
    latency: { bounds: BOUNDS, counts: latency },
    calls: Object.fromEntries(Object.entries(calls).map(([target, [n, failures, counts]]) => [target, { calls: n, failures, latency: { bounds: BOUNDS, counts } }])),
  };
}

const target = (service: ServiceName, port: number): Target => ({ service, url: `http://127.0.0.1:${port}`, port });
const GATEWAY = target('gateway', 5000);
const ORDER = target('order-service', 5003);
const PRODUCT = target('product-service', 5002);
const TARGETS = [GATEWAY, PRODUCT, ORDER];

const up = (t: Target, snapshot: MetricSnapshot, pid = snapshot.pid): Reading => ({ target: t, status: 'ok', pid, uptimeS: 10, snapshot });
const down = (t: Target): Reading => ({ target: t, status: 'down', detail: `${t.service} is unreachable (ECONNREFUSED)` });

describe('Overview math: percentiles from histogram buckets', () => {
  test('When 10 observations fall in (0.01, 0.1], then p50 is interpolated halfway into that bucket', () => {
    expect(quantile(0.5, { bounds: BOUNDS, counts: [0, 0, 10, 10] })).toBeCloseTo(0.055, 10);
  });

  test('When observations spread over buckets, then each quantile lands in the bucket holding its rank', () => {
    const buckets = { bounds: BOUNDS, counts: [50, 90, 99, 100] };
    expect(quantile(0.5, buckets)).toBeCloseTo(0.001, 10);
    expect(quantile(0.25, buckets)).toBeCloseTo(0.0005, 10);
    expect(quantile(0.9, buckets)).toBeCloseTo(0.01, 10);
    expect(quantile(0.95, buckets)).toBeCloseTo(0.01 + 0.09 * (5 / 9), 10);
  });

  test('When the rank falls in the +Inf bucket, then the highest finite bound is the answer; with no observation, null', () => {
    expect(quantile(0.99, { bounds: BOUNDS, counts: [0, 0, 0, 5] })).toBe(0.1);
    expect(quantile(0.5, { bounds: BOUNDS, counts: [0, 0, 0, 0] })).toBeNull();
    expect(quantile(0.5, { bounds: [], counts: [] })).toBeNull();
  });
});

describe('Overview math: reading a scrape', () => {
  test('When /metrics holds requests of several routes and calls to two services, then they are summed, errors and failures apart', () => {
    const text = [
      'microshop_service_info{service="order-service",version="0.1.0",pid="4242"} 1',
      'microshop_process_start_time_seconds 1735732800',
      'microshop_http_server_requests_total{method="POST",route="/api/orders",status_code="201"} 7',
      'microshop_http_server_requests_total{method="POST",route="/api/orders",status_code="422"} 2',
      'microshop_http_server_requests_total{method="GET",route="/api/orders/:id",status_code="200"} 3',
      'microshop_http_server_requests_total{method="GET",route="/api/orders/:id",status_code="503"} 1',
      'microshop_http_server_request_duration_seconds_bucket{le="0.01",method="GET",route="/api/orders/:id",status_class="2xx"} 3',
      'microshop_http_server_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/orders/:id",status_class="2xx"} 3',
      'microshop_http_server_request_duration_seconds_bucket{le="0.01",method="POST",route="/api/orders",status_class="2xx"} 5',
      'microshop_http_server_request_duration_seconds_bucket{le="+Inf",method="POST",route="/api/orders",status_class="2xx"} 7',
      'microshop_http_client_requests_total{target="product-service",method="GET",outcome="ok"} 7',
      'microshop_http_client_requests_total{target="product-service",method="GET",outcome="client_error"} 1',
      'microshop_http_client_requests_total{target="product-service",method="GET",outcome="timeout"} 2',
      'microshop_http_client_requests_total{target="user-service",method="GET",outcome="unreachable"} 1',
      'microshop_http_client_request_duration_seconds_bucket{le="0.01",target="product-service",method="GET",outcome="ok"} 7',
      'microshop_http_client_request_duration_seconds_bucket{le="+Inf",target="product-service",method="GET",outcome="ok"} 7',
      'microshop_http_client_request_duration_seconds_bucket{le="0.01",target="product-service",method="GET",outcome="timeout"} 0',
      'microshop_http_client_request_duration_seconds_bucket{le="+Inf",target="product-service",method="GET",outcome="timeout"} 2',
    ].join('\n');
    const snapshot = readSnapshot(parseExposition(text));
    expect(snapshot).toMatchObject({ pid: 4242, startTime: 1735732800, requests: 13, serverErrors: 1, clientErrors: 2 });
    expect(snapshot.latency).toEqual({ bounds: [0.01, Number.POSITIVE_INFINITY], counts: [8, 10] });
    expect(snapshot.calls['product-service']).toEqual({ calls: 10, failures: 2, latency: { bounds: [0.01, Number.POSITIVE_INFINITY], counts: [7, 9] } });
    expect(snapshot.calls['user-service']).toMatchObject({ calls: 1, failures: 1 });
  });
});

describe('Overview math: counter increases between scrapes', () => {
  test('When the same process is scraped twice, then the interval holds the increases', () => {
    const interval = intervalBetween(
      { at: T0, snapshot: snap({ requests: 10, serverErrors: 1, latency: [2, 8, 10, 10], calls: { 'product-service': [4, 0, [4, 4, 4, 4]] } }) },
      { at: T0 + 2000, snapshot: snap({ requests: 16, serverErrors: 2, latency: [2, 10, 15, 16], calls: { 'product-service': [7, 1, [5, 6, 7, 7]] } }) },
    );
    expect(interval).toEqual({
      from: T0,
      to: T0 + 2000,
      requests: 6,
      serverErrors: 1,
      clientErrors: 0,
      latency: { bounds: BOUNDS, counts: [0, 2, 5, 6] },
      calls: { 'product-service': { calls: 3, failures: 1, latency: { bounds: BOUNDS, counts: [1, 2, 3, 3] } } },
    });
  });

  test('When the process restarted between scrapes (new pid), then its counters count from zero and the interval starts when it did', () => {
    const startTime = (T0 + 1500) / 1000;
    const interval = intervalBetween(
      { at: T0, snapshot: snap({ pid: 100, requests: 500, latency: [0, 500, 500, 500] }) },
      { at: T0 + 2000, snapshot: snap({ pid: 200, startTime, requests: 3, latency: [0, 3, 3, 3] }) },
    );
    expect(interval).toMatchObject({ from: T0 + 1500, to: T0 + 2000, requests: 3, latency: { counts: [0, 3, 3, 3] } });
  });

  test('When a counter went down with no pid to tell, then it is read as a restart too, never as a negative increase', () => {
    const before = snap({ pid: undefined, startTime: undefined, requests: 50 });
    const after = snap({ pid: undefined, startTime: undefined, requests: 4 });
    expect(restarted(before, after)).toBe(true);
    expect(intervalBetween({ at: T0, snapshot: before }, { at: T0 + 2000, snapshot: after })).toMatchObject({ from: T0, requests: 4 });
    expect(restarted(snap({ requests: 4 }), snap({ requests: 50 }))).toBe(false);
  });

  test('When a histogram first appears (no request before), then it is not a restart', () => {
    const before = snap({ requests: 0 });
    before.latency = { bounds: [], counts: [] };
    expect(restarted(before, snap({ requests: 2, latency: [0, 2, 2, 2] }))).toBe(false);
  });
});

/** Scrapes every 2 s for 60 s: the order service serves 2 requests/s (1 in 10 a 5xx), and calls the product service once per request. */
function steadyHistory() {
  const history = createMetricsHistory(1000);
  for (let i = 0; i <= 30; i++) {
    const n = 4 * i;
    history.add(T0 + i * 2000, [
      up(GATEWAY, snap({ pid: 1, requests: n, latency: [0, n, n, n], calls: { 'order-service': [n, 0, [0, 0, n, n]] } })),
      up(PRODUCT, snap({ pid: 2, requests: n, latency: [n, n, n, n] })),
      up(ORDER, snap({ pid: 3, requests: n, serverErrors: Math.floor(n / 10), clientErrors: i, latency: [0, 0, n, n], calls: { 'product-service': [n, 0, [n, n, n, n]] } })),
    ]);
  }
  return history;
}

describe('Overview math: the overview and the series', () => {
  test('When 120 requests arrive evenly over the last 60 s, then requests/s is 2, with the error rates and percentiles of their buckets', () => {
    const overview = buildOverview(steadyHistory(), { targets: TARGETS, windowS: 60, scrapeIntervalS: 2 });
    const order = overview.services.find((s) => s.name === 'order-service');
    expect(order).toMatchObject({ status: 'ok', requests_per_s: 2, error_rate: 0.1, client_error_rate: 0.25, p50_ms: 55, p99_ms: 99.1 });
    expect(order?.instances).toEqual([
      {
        id: ORDER.url,
        url: ORDER.url,
        port: 5003,
        status: 'ok',
        pid: 3,
        uptime_s: 10,
        last_seen: new Date(T0 + 60_000).toISOString(),
        requests_per_s: 2,
        error_rate: 0.1,
        client_error_rate: 0.25,
        p50_ms: 55,
        p99_ms: 99.1,
        share: 1,
      },
    ]);
    expect(overview.services.map((s) => s.name)).toEqual(['gateway', 'product-service', 'order-service']);
    expect(overview.window_s).toBe(60);
    expect(overview.generated_at).toBe(new Date(T0 + 60_000).toISOString());
  });

  test('When the caller counts its calls, then each edge has their rate and latency, listed gateway first', () => {
    const { edges } = buildOverview(steadyHistory(), { targets: TARGETS, windowS: 60, scrapeIntervalS: 2 });
    expect(edges).toEqual([
      { from: 'gateway', to: 'order-service', calls_per_s: 2, error_rate: 0, p50_ms: 55, p99_ms: 99.1 },
      { from: 'order-service', to: 'product-service', calls_per_s: 2, error_rate: 0, p50_ms: 0.5, p99_ms: 0.99 },
    ]);
  });

  test('When the window is 10 s, then only the last five intervals count', () => {
    const history = createMetricsHistory(1000);
    // 1 request/s for 50 s, then 5 requests/s for 10 s.
    const totals = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 60, 70, 80, 90, 100];
    totals.forEach((n, i) => history.add(T0 + i * 2000, [up(ORDER, snap({ requests: n, latency: [0, 0, n, n] }))]));
    const rateOver = (windowS: number) => buildOverview(history, { targets: [ORDER], windowS, scrapeIntervalS: 2 }).services[0]?.requests_per_s;
    expect(rateOver(10)).toBe(5);
    expect(rateOver(60)).toBeCloseTo(100 / 60, 3);
  });

  test('When a process restarts, then its rate goes on from its new counters, with no negative or doubled figures', () => {
    const history = createMetricsHistory(1000);
    history.add(T0, [up(ORDER, snap({ pid: 3, requests: 1000, latency: [0, 0, 1000, 1000] }))]);
    history.add(T0 + 2000, [up(ORDER, snap({ pid: 3, requests: 1004, latency: [0, 0, 1004, 1004] }))]);
    history.add(T0 + 4000, [down(ORDER)]);
    history.add(T0 + 6000, [up(ORDER, snap({ pid: 9, startTime: (T0 + 5000) / 1000, requests: 2, latency: [0, 0, 2, 2] }), 9)]);
    history.add(T0 + 8000, [up(ORDER, snap({ pid: 9, startTime: (T0 + 5000) / 1000, requests: 6, latency: [0, 0, 6, 6] }), 9)]);
    const series = buildSeries(history, 'order-service', { windowS: 60, scrapeIntervalS: 2 });
    expect(series.requests_per_s).toEqual([null, 2, null, 2, 2]);
    const overview = buildOverview(history, { targets: [ORDER], windowS: 60, scrapeIntervalS: 2 });
    expect(overview.services[0]?.requests_per_s).toBe(1.25);
    expect(overview.services[0]?.instances[0]).toMatchObject({ pid: 9, status: 'ok' });
  });

  test('When a service stops answering, then it shows as down at once with the reason and its last pid, and its figures fade out of the window', () => {
    const history = steadyHistory();
    for (let i = 1; i <= 40; i++) {
      const n = 120 + 4 * i;
      history.add(T0 + 60_000 + i * 2000, [
        up(GATEWAY, snap({ pid: 1, requests: n, latency: [0, n, n, n] })),
        up(PRODUCT, snap({ pid: 2, requests: n, latency: [n, n, n, n] })),
        down(ORDER),
      ]);
      const order = buildOverview(history, { targets: TARGETS, windowS: 60, scrapeIntervalS: 2 }).services.find((s) => s.name === 'order-service');
      expect(order?.status).toBe('down');
      expect(order?.instances[0]).toMatchObject({ status: 'down', pid: 3, uptime_s: null, last_seen: new Date(T0 + 60_000).toISOString() });
      expect(order?.instances[0]?.detail).toContain('ECONNREFUSED');
      // 62 s: the window holds the 29 intervals from 2 s to 60 s (116 requests), over 60 s up to now.
      if (i === 1) expect(order?.requests_per_s).toBeCloseTo(116 / 60, 2);
      if (i === 30) expect(order).toMatchObject({ requests_per_s: 0, p50_ms: null, p99_ms: null });
    }
    const series = buildSeries(history, 'order-service', { windowS: 20, scrapeIntervalS: 2 });
    expect(series.requests_per_s).toEqual(Array(10).fill(null));
    expect(series.time).toHaveLength(10);
  });

  test('When some instances of a service are down and others up, then it is degraded; before any scrape, unknown', () => {
    const second: Target = { service: 'order-service', url: 'http://127.0.0.1:6003', port: 6003 };
    const history = createMetricsHistory(10);
    expect(buildOverview(history, { targets: [ORDER, second], windowS: 60, scrapeIntervalS: 2 }).services[0]).toMatchObject({
      status: 'unknown',
      requests_per_s: 0,
      p99_ms: null,
      instances: [{ status: 'unknown', pid: null, last_seen: null }, { status: 'unknown' }],
    });
    history.add(T0, [up(ORDER, snap({ requests: 0 })), down(second)]);
    history.add(T0 + 2000, [up(ORDER, snap({ requests: 10, latency: [0, 0, 10, 10] })), down(second)]);
    const service = buildOverview(history, { targets: [ORDER, second], windowS: 60, scrapeIntervalS: 2 }).services[0];
    expect(service).toMatchObject({ status: 'degraded', requests_per_s: 5 });
  });

  test('When the series is asked for, then it has one point per scrape round, as columns of equal length', () => {
    const series = buildSeries(steadyHistory(), 'order-service' satisfies BackendName, { windowS: 10, scrapeIntervalS: 2 });
    expect(series).toEqual({
      service: 'order-service',
      window_s: 10,
      step_s: 2,
      time: [52, 54, 56, 58, 60].map((s) => T0 / 1000 + s),
      requests_per_s: [2, 2, 2, 2, 2],
      errors_per_s: [0, 0, 0.5, 0, 0.5],
      client_errors_per_s: [0.5, 0.5, 0.5, 0.5, 0.5],
      p50_ms: [55, 55, 55, 55, 55],
      p99_ms: [99.1, 99.1, 99.1, 99.1, 99.1],
    });
  });
});
