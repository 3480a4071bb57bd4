import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchSuite } from '@microshop/contracts';
import { request, sampleDelta, scrapeMetrics } from '@microshop/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { suite } from '../web/test/suite-fixture.js';
import { startGateway, type GatewayHarness } from './gateway-harness.js';

describe('Gateway: GET /api/bench/suite, the latest run of the performance suite', () => {
  let gw: GatewayHarness;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'microshop-bench-'));
    file = path.join(dir, 'suite.json');
    gw = await startGateway({ suiteFile: file, topologiesFile: path.join(dir, 'topologies.json') });
  });
  afterAll(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => rmSync(file, { force: true }));

  test('When the suite has written its report, then the report comes back as written, and reading it is not counted as traffic', async () => {
    writeFileSync(file, JSON.stringify(suite, null, 2));
    const before = await scrapeMetrics(gw.url);
    const { status, headers, body } = await request<BenchSuite>(gw.url, 'GET', '/api/bench/suite');
    const after = await scrapeMetrics(gw.url);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toContain('application/json');
    expect(body).toEqual(suite);
    expect(gw.allCalls()).toEqual([]);
    expect(sampleDelta(before, after, 'microshop_http_server_requests_total', { route: '/api/bench/suite' })).toBe(0);
    expect(sampleDelta(before, after, 'microshop_http_monitoring_requests_total', { route: '/api/bench/suite', status_code: '200' })).toBe(1);
  });

  test('When the suite runs again, then the next read serves the new report, without a restart; the topology comparison is another file', async () => {
    writeFileSync(file, JSON.stringify(suite));
    expect((await request<BenchSuite>(gw.url, 'GET', '/api/bench/suite')).body.finished_at).toBe(suite.finished_at);
    writeFileSync(file, JSON.stringify({ ...suite, finished_at: '2026-11-30T08:00:00.000Z' }));
    expect((await request<BenchSuite>(gw.url, 'GET', '/api/bench/suite')).body.finished_at).toBe('2026-11-30T08:00:00.000Z');
    expect((await request(gw.url, 'GET', '/api/bench/topologies')).status).toBe(404);
  });

  test('When the suite has not been run, then a 404 problem names the command that runs it', async () => {
    const { status, headers, body } = await request<{ status: number; title: string; detail: string }>(gw.url, 'GET', '/api/bench/suite');
    expect(status).toBe(404);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body).toMatchObject({
      status: 404,
      title: 'No performance suite run yet',
      detail: 'No performance suite run on this machine yet: run `npm run bench` at the repository root (it writes docs/bench/suite.json).',
    });
  });

  test.each([
    ['not JSON', '{"suite": "performance",'],
    ['the topology comparison', JSON.stringify({ comparison: 'topologies', command: 'npm run bench -- --compare-topologies', results: [] })],
    ['a run missing its goals', JSON.stringify({ ...suite, goals: undefined })],
    ['a goal without its verdict', JSON.stringify({ ...suite, goals: [{ ...suite.goals[0], met: undefined }] })],
  ])('When the file holds %s, then a 500 problem says to run the suite again, with no internals', async (_what, content) => {
    writeFileSync(file, content);
    const { status, headers, body } = await request<{ status: number; title: string; detail: string }>(gw.url, 'GET', '/api/bench/suite');
    expect(status).toBe(500);
    expect(headers.get('content-type')).toContain('application/problem+json');
    expect(body.title).toBe('Unreadable performance suite run');
    expect(body.detail).toBe('docs/bench/suite.json is not a performance suite run this gateway can read: run `npm run bench` again.');
  });
});
