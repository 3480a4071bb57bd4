import { promtoolCheckMetrics, request, scrapeMetrics, sampleDelta, metricsText } from '@microshop/testkit';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../src/errors.js';
import { registerHealth } from '../src/health.js';
import { sampleSum } from '../src/metrics/exposition.js';
import { createServer, type App } from '../src/server.js';

const REQUESTS = 'microshop_http_server_requests_total';
const DURATION = 'microshop_http_server_request_duration_seconds';
const MONITORING = 'microshop_http_monitoring_requests_total';

describe('Chassis metrics: the requests a service answers', () => {
  let app: App;
  let url: string;

  beforeAll(async () => {
    app = await createServer({ name: 'thing-service', version: '1.2.3', logLevel: false });
    registerHealth(app, { service: 'thing-service' });
    app.get('/api/things/:id', { schema: { params: Type.Object({ id: Type.Integer({ minimum: 1 }) }) } }, async (req) => {
      if (req.params.id === 500) throw new Error('boom');
      if (req.params.id === 503) throw AppError.unavailable('other-service', 'other-service is down');
      if (req.params.id === 404) throw AppError.notFound('thing', 404);
      return { id: req.params.id };
    });
    app.post('/api/things', async (_req, reply) => reply.code(201).send({ id: 1 }));
    app.get('/api/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { ok: true };
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
  });

  test('When GET /api/things/1 and /api/things/2 are answered, then both count under the route pattern, never the raw URL', async () => {
    const before = await scrapeMetrics(url);
    await request(url, 'GET', '/api/things/1');
    await request(url, 'GET', '/api/things/2');
    await request(url, 'POST', '/api/things', {});
    const after = await scrapeMetrics(url);

    expect(sampleDelta(before, after, REQUESTS, { method: 'GET', route: '/api/things/:id', status_code: '200' })).toBe(2);
    expect(sampleDelta(before, after, REQUESTS, { method: 'POST', route: '/api/things', status_code: '201' })).toBe(1);
    expect(sampleDelta(before, after, `${DURATION}_count`, { method: 'GET', route: '/api/things/:id', status_class: '2xx' })).toBe(2);
    expect(after.filter((s) => s.labels.route?.includes('/api/things/1') || s.labels.route?.includes('/api/things/2'))).toEqual([]);
  });

  test('When the answers are 400, 404, 500 and 503, then each counts under its status code, 4xx and 5xx apart', async () => {
    const before = await scrapeMetrics(url);
    await request(url, 'GET', '/api/things/abc');
    await request(url, 'GET', '/api/things/404');
    await request(url, 'GET', '/api/things/500');
    await request(url, 'GET', '/api/things/503');
    const after = await scrapeMetrics(url);

    const route = '/api/things/:id';
    expect(sampleDelta(before, after, REQUESTS, { route, status_code: '400' })).toBe(1);
    expect(sampleDelta(before, after, REQUESTS, { route, status_code: '404' })).toBe(1);
    expect(sampleDelta(before, after, REQUESTS, { route, status_code: '500' })).toBe(1);
    expect(sampleDelta(before, after, REQUESTS, { route, status_code: '503' })).toBe(1);
    expect(sampleDelta(before, after, `${DURATION}_count`, { route, status_class: '4xx' })).toBe(2);
    expect(sampleDelta(before, after, `${DURATION}_count`, { route, status_class: '5xx' })).toBe(2);
  });

  test('When unknown paths are asked for, then they all count under the one label "unmatched"', async () => {
    const before = await scrapeMetrics(url);
    for (const path of ['/nope', '/nope/1', '/api/things/1/extra', '/x?y=1']) await request(url, 'GET', path);
    const after = await scrapeMetrics(url);

    expect(sampleDelta(before, after, REQUESTS, { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(4);
    const routes = new Set(after.filter((s) => s.name === REQUESTS).map((s) => s.labels.route));
    expect([...routes].sort()).toEqual(['/api/things', '/api/things/:id', 'unmatched']);
  });

  test('When /health and /metrics are asked for, then they are counted apart as monitoring, not as requests', async () => {
    const before = await scrapeMetrics(url);
    await request(url, 'GET', '/health');
    await request(url, 'GET', '/health');
    const after = await scrapeMetrics(url);

    expect(sampleDelta(before, after, REQUESTS)).toBe(0);
    expect(sampleDelta(before, after, `${DURATION}_count`)).toBe(0);
    expect(sampleDelta(before, after, MONITORING, { route: '/health', status_code: '200' })).toBe(2);
    expect(sampleDelta(before, after, MONITORING, { route: '/metrics', status_code: '200' })).toBe(1);
  });

  test('When /metrics is read, then it names the service, its version and pid, and has the process metrics', async () => {
    const samples = await scrapeMetrics(url);
    expect(sampleSum(samples, 'microshop_service_info', { service: 'thing-service', version: '1.2.3', pid: String(process.pid) })).toBe(1);
    for (const name of [
      'microshop_process_cpu_seconds_total',
      'microshop_process_resident_memory_bytes',
      'microshop_process_start_time_seconds',
      'microshop_nodejs_eventloop_lag_seconds',
      'microshop_nodejs_heap_size_used_bytes',
    ]) {
      expect(samples.some((s) => s.name === name), name).toBe(true);
    }
  });

  test("When /metrics is read, then Prometheus' promtool finds nothing to complain about", async () => {
    const text = await metricsText(url);
    expect(await promtoolCheckMetrics(text)).toEqual({ code: 0, output: '' });
  });

  test('When promtool is given a badly named metric, then it fails (so the check above can fail)', async () => {
    const result = await promtoolCheckMetrics('# HELP bad_total a gauge named like a counter\n# TYPE bad_total gauge\nbad_total 1\n');
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('bad_total');
  });

  test('When three requests are being handled, then the in-flight gauge says 3 (the scrape itself not counted), and 0 once they are answered', async () => {
    const inFlight = async () => (await scrapeMetrics(url)).find((s) => s.name === 'microshop_http_server_requests_in_flight')?.value;
    expect(await inFlight()).toBe(0);
    const pending = Promise.all([1, 2, 3].map(() => request(url, 'GET', '/api/slow')));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await inFlight()).toBe(3);
    await pending;
    expect(await inFlight()).toBe(0);
  });
});
