import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TopologyComparison, TopologyFigures } from '@microshop/contracts';
import { request, sampleDelta, scrapeMetrics } from '@microshop/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startGateway, type GatewayHarness } from './gateway-harness.js';

const figures = (requestsPerS: number, p99: number, cpu: number): TopologyFigures => ({
  requests_per_s: requestsPerS,
  p50_ms: p99 / 3,
  p99_ms: p99,
  errors: 0,
  unsent: 0,
  requests: requestsPerS * 10,
  cpu_ms_per_request: cpu,
  cpu_percent: 97,
  rss_mib: 400,
  cpu_ms_per_request_by_process: { gateway: cpu / 2, 'product-service': cpu / 2 },
  processes: ['gateway-1', 'product-service-1'],
  rounds: [{ requests_per_s: requestsPerS, p50_ms: p99 / 3, p99_ms: p99, errors: 0 }],
});

const report: TopologyComparison = {
  comparison: 'topologies',
  command: 'npm run bench -- --compare-topologies --duration 5 --warmup 2 --rounds 1',
  started_at: '2026-01-01T10:00:00.000Z',
  finished_at: '2026-01-01T10:05:00.000Z',
  machine: { cpus: 2, node: 'v20.20.2', pinned: true },
  settings: { duration_s: 5, warmup_s: 2, rounds: 1, connections: 10, rate_per_s: 100 },
  topologies: [
    { name: 'microservices', description: 'A process per service', start: 'npm start' },
    { name: 'monolith', description: 'One process', start: 'npm start -- --monolith' },
  ],
  results: [
    {
      scenario: 'get-product',
      description: 'GET /api/products/:id through the gateway',
      load: { mode: 'closed', connections: 10, rate_per_s: null },
      microservices: figures(1000, 20, 1),
      monolith: figures(2000, 10, 0.5),
      ratio: { requests_per_s: 2, p50_ms: 0.5, p99_ms: 0.5, cpu_ms_per_request: 0.5, cpu_percent: 1, rss_mib: 1 },
    },
  ],
};

describe('Gateway: GET /api/bench/topologies, the latest comparison of the two topologies', () => {
  let gw: GatewayHarness;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'microshop-bench-'));
    file = path.join(dir, 'topologies.json');
    gw = await startGateway({ topologiesFile: file });
  });
  afterAll(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => rmSync(file, { force: true }));

  test('When the benchmark has written its report, then the report comes back as written, and reading it is not counted as traffic', async () => {
    writeFileSync(file, JSON.stringify(report, null, 2));
    const before = await scrapeMetrics(gw.url);
    const { status, headers, body } = await request<TopologyComparison>(gw.url, 'GET', '/api/bench/topologies');
    const after = await scrapeMetrics(gw.url);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('application/json');
    expect(body).toEqual(report);
    expect(gw.allCalls()).toEqual([]);
    expect(sampleDelta(before, after, 'microshop_http_server_requests_total', { route: '/api/bench/topologies' })).toBe(0);
    expect(sampleDelta(before, after, 'microshop_http_monitoring_requests_total', { route: '/api/bench/topologies', status_code: '200' })).toBe(1);
  });

  test('When the report is written again, then the next read serves the new one, without a restart', async () => {
    writeFileSync(file, JSON.stringify(report));
    expect((await request<TopologyComparison>(gw.url, 'GET', '/api/bench/topologies')).body.command).toBe(report.command);
    writeFileSync(file, JSON.stringify({ ...report, command: 'npm run bench -- --compare topologies' }));
    expect((await request<TopologyComparison>(gw.url, 'GET', '/api/bench/topologies')).body.command).toBe('npm run bench -- --compare topologies');
  });

  test('When no comparison has been run, then a 404 problem names the command that makes one', async () => {
    const { status, headers, body } = await request<{ status: number; title: string; detail: string }>(gw.url, 'GET', '/api/bench/topologies');
    expect(status).toBe(404);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body.status).toBe(404);
    expect(body.detail).toContain('npm run bench -- --compare-topologies');
  });

  test.each([
    ['not JSON', '{"comparison": "topologies",'],
    ['another benchmark’s report', JSON.stringify({ scenario: 'create-order', comparison: 'tracing', variants: [] })],
    ['a comparison missing its figures', JSON.stringify({ ...report, results: [{ ...report.results[0], monolith: undefined }] })],
  ])('When the file holds %s, then a 500 problem says to run the command again, with no internals', async (_what, content) => {
    writeFileSync(file, content);
    const { status, headers, body } = await request<{ status: number; detail: string }>(gw.url, 'GET', '/api/bench/topologies');
    expect(status).toBe(500);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body.detail).toBe('docs/bench/topologies.json is not a topology comparison this gateway can read: run `npm run bench -- --compare-topologies` again.');
  });
});
