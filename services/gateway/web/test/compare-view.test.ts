import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import type { ApiResult } from '../src/api/http';
import type { TopologyComparison, TopologyFigures, TopologyLoad, TopologyResult } from '../src/api/types';
import { byScenario, chartsOf, figureRows, loadHeading, ratioText, readingOf, runDuration } from '../src/pages/compare/compare-model';
import { MissingComparison } from '../src/pages/compare/compare-page';
import { CompareView } from '../src/pages/compare/compare-view';

const figures = (requestsPerS: number, p50: number, p99: number, cpu: number, rss: number): TopologyFigures => ({
  requests_per_s: requestsPerS,
  p50_ms: p50,
  p99_ms: p99,
  errors: 0,
  unsent: 0,
  requests: Math.round(requestsPerS * 10),
  cpu_ms_per_request: cpu,
  cpu_percent: 98,
  rss_mib: rss,
  cpu_ms_per_request_by_process: {},
  processes: [],
  rounds: [],
});

const result = (scenario: string, load: TopologyLoad, micro: TopologyFigures, mono: TopologyFigures): TopologyResult => ({
  scenario,
  description: `${scenario}: what one request does`,
  load,
  microservices: micro,
  monolith: mono,
  ratio: {
    requests_per_s: mono.requests_per_s / micro.requests_per_s,
    p50_ms: mono.p50_ms / micro.p50_ms,
    p99_ms: mono.p99_ms / micro.p99_ms,
    cpu_ms_per_request: mono.cpu_ms_per_request / micro.cpu_ms_per_request,
    cpu_percent: 1,
    rss_mib: mono.rss_mib / micro.rss_mib,
  },
});

const CLOSED: TopologyLoad = { mode: 'closed', connections: 10, rate_per_s: null };
const OPEN: TopologyLoad = { mode: 'open', connections: 10, rate_per_s: 100 };

const report: TopologyComparison = {
  comparison: 'topologies',
  command: 'npm run bench -- --compare-topologies --duration 5 --warmup 2 --rounds 2',
  started_at: '2026-01-01T10:00:00.000Z',
  finished_at: '2026-01-01T10:07:12.000Z',
  machine: { cpus: 2, node: 'v20.20.2', pinned: true },
  settings: { duration_s: 5, warmup_s: 2, rounds: 2, connections: 10, rate_per_s: 100 },
  topologies: [
    { name: 'microservices', description: 'A process per service', start: 'npm start' },
    { name: 'monolith', description: 'One process for every module', start: 'npm start -- --monolith' },
  ],
  results: [
    result('get-product', CLOSED, figures(800, 11, 24, 1.2, 700), figures(1600, 5, 12, 0.6, 300)),
    result('get-product', OPEN, figures(100, 2, 6, 1.5, 700), figures(100, 1, 3, 0.75, 300)),
    result('pay-order', CLOSED, figures(200, 40, 90, 4, 760), figures(202, 40, 88, 3.9, 320)),
  ],
};

const answer = (status: number): ApiResult<TopologyComparison> => ({
  ok: false,
  status,
  method: 'GET',
  path: '/api/bench/topologies',
  data: undefined,
  problem: { title: 'Unreadable topology comparison', detail: 'docs/bench/topologies.json is not a topology comparison this gateway can read' },
  traceId: undefined,
  requestId: undefined,
  totalCount: undefined,
  durationMs: 1,
});

/** The page's text without tags, its whitespace collapsed. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ');

describe('Web UI: the Compare page', () => {
  test('Each scenario is one table: per load, a row per topology and a row of monolith / microservices ratios', () => {
    const groups = byScenario(report);
    expect(groups.map((g) => [g.scenario, g.results.map((r) => r.load.mode)])).toEqual([
      ['get-product', ['closed', 'open']],
      ['pay-order', ['closed']],
    ]);
    const rows = figureRows(groups[0]?.results ?? []);
    expect(rows.map((r) => [r.kind, r.requestsPerS, r.p99, r.cpuMsPerRequest, r.rssMiB])).toEqual([
      ['microservices', '800', '24.0', '1.20', '700'],
      ['monolith', '1600', '12.0', '0.60', '300'],
      ['ratio', '2.00×', '0.50×', '0.50×', '0.43×'],
      ['microservices', '100', '6.0', '1.50', '700'],
      ['monolith', '100', '3.0', '0.75', '300'],
      ['ratio', '1.00×', '0.50×', '0.50×', '0.43×'],
    ]);
    expect(ratioText(null)).toBe('—');
  });

  test('Each result reads as a sentence, and a difference under 5 % reads as about the same', () => {
    const [closed, open] = byScenario(report)[0]?.results ?? [];
    expect(closed && readingOf(closed)).toBe('The monolith answered 2.00× the requests per second, at 0.50× the p99 latency and 0.50× the CPU per request.');
    expect(open && readingOf(open)).toBe('The same requests for both: the monolith answered them at 0.50× the p99 latency, spending 0.50× the CPU per request.');
    const pay = byScenario(report)[1]?.results[0];
    expect(pay && readingOf(pay)).toBe('The monolith answered about as many requests per second, at about the same p99 latency and about the same CPU per request.');
    const behind = open && { ...open, microservices: { ...open.microservices, requests_per_s: 70, unsent: 150 } };
    expect(behind && readingOf(behind)).toBe(
      'Not the same work: the microservices answered 70 of the 100 req/s offered (150 requests not sent), so only one kept up; compare their CPU per request rather than their latency.',
    );
    const failing = closed && { ...closed, microservices: { ...closed.microservices, errors: 12 } };
    expect(failing && readingOf(failing)).toMatch(/per request\. Microservices: 12 answers were errors \(non-2xx or none\)\.$/);
    expect(closed && loadHeading(closed.load)).toBe('Closed loop, 10 connections');
    expect(open && loadHeading(open.load)).toBe('Open loop, 100 req/s offered');
  });

  test('The charts are throughput and p99 in the closed loop and p99 at the offered rate, one group per scenario', () => {
    const charts = chartsOf(report);
    expect(charts.map((c) => [c.id, c.groups.map((g) => [g.label, g.values.microservices, g.values.monolith])])).toEqual([
      ['throughput', [['get-product', 800, 1600], ['pay-order', 200, 202]]],
      ['p99-closed', [['get-product', 24, 12], ['pay-order', 90, 88]]],
      ['p99-open', [['get-product', 6, 3]]],
    ]);
    expect(chartsOf({ ...report, results: report.results.filter((r) => r.load.mode === 'closed') }).map((c) => c.id)).toEqual(['throughput', 'p99-closed']);
    expect(runDuration(report)).toBe('7 min 12 s');
  });

  test('When a report is drawn, then the page shows the command, when it ran, what the ratio means, the bars and each scenario’s figures', () => {
    const html = renderToStaticMarkup(createElement(CompareView, { report }));
    const text = textOf(html);
    expect(text).toContain('npm run bench -- --compare-topologies --duration 5 --warmup 2 --rounds 2');
    expect(html).toContain('dateTime="2026-01-01T10:00:00.000Z"');
    expect(text).toContain('for 7 min 12 s');
    expect(text).toContain('the price of the network hop and its serialisation');
    expect(text).toContain('not of the code');
    // Three charts, a bar per topology and scenario, the longer bar for the larger value.
    expect(html.match(/<figure class="compare-chart"/g)).toHaveLength(3);
    const throughput = /data-chart="throughput".*?<\/figure>/s.exec(html)?.[0] ?? '';
    const widths = [...throughput.matchAll(/<rect x="\d+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(4);
    expect(widths[1]).toBeGreaterThan(widths[0] ?? Infinity);
    // A table per scenario and load, each with its ratio row and its reading.
    expect(html).toContain('aria-label="get-product, closed loop, 10 connections: both topologies and their ratio"');
    expect(html).toContain('aria-label="get-product, open loop, 100 req/s offered: both topologies and their ratio"');
    expect(html).toContain('aria-label="pay-order, closed loop, 10 connections: both topologies and their ratio"');
    expect(text).toContain('The monolith answered 2.00× the requests per second');
    expect(html.match(/class="compare-ratio-row"/g)).toHaveLength(3);
    expect(text).toContain('Monolith / microservices 2.00× 0.45× 0.50× 0.50×');
    expect(text).toContain('npm start -- --monolith');
  });

  test('When no comparison has run, then the page names the command to run; when it cannot be read, the reason', () => {
    const missing = textOf(renderToStaticMarkup(createElement(MissingComparison, { answer: answer(404) })));
    expect(missing).toContain('No comparison has been run on this machine yet');
    expect(missing).toContain('npm run bench -- --compare-topologies');
    const broken = textOf(renderToStaticMarkup(createElement(MissingComparison, { answer: answer(500) })));
    expect(broken).toContain('The comparison could not be read: docs/bench/topologies.json is not a topology comparison');
  });
});
