import { matchesContract } from '@microshop/chassis';
import { BenchSuite } from '@microshop/contracts';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, test } from 'vitest';
import type { ApiResult } from '../src/api/http';
import { MissingSuite } from '../src/pages/compare/compare-page';
import { amountText, gatewayCost, goalRows, goalTally, median, memoryView, openLoopRows, pairingRows, ratioBars, startupRows } from '../src/pages/compare/suite-model';
import { SuiteView } from '../src/pages/compare/suite-view';
import { suite } from './suite-fixture';

const answer = (status: number): ApiResult<BenchSuite> => ({
  ok: false,
  status,
  method: 'GET',
  path: '/api/bench/suite',
  data: undefined,
  problem: { title: 'Unreadable performance suite run', detail: 'docs/bench/suite.json is not a performance suite run this gateway can read' },
  traceId: undefined,
  requestId: undefined,
  totalCount: undefined,
  durationMs: 1,
});

/** The page's text without tags, its whitespace collapsed. */
const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/&amp;/g, '&').replace(/&gt;/g, '>').replace(/\s+/g, ' ');

/** One table row of the markup, by an attribute it carries. */
const rowOf = (html: string, attribute: string) => new RegExp(`<tr [^>]*${attribute}[^>]*>.*?</tr>`, 's').exec(html)?.[0] ?? '';

describe('Web UI: the Compare page, the performance suite', () => {
  test('The fixture is a report the gateway would serve: it matches the BenchSuite contract', () => {
    expect(matchesContract(BenchSuite, suite)).toBe(true);
    expect(matchesContract(BenchSuite, { ...suite, goals: [{ ...suite.goals[0], comparison: '>' }] })).toBe(false);
  });

  test('Each goal reads as measured against its target, with its verdict: met, not met, or not measured', () => {
    const rows = goalRows(suite);
    expect(rows.map((r) => [r.id, r.measured, r.target, r.verdict])).toEqual([
      ['1', '0.57 ms', '≤ 1 ms', 'met'],
      ['2a', '0.41×', '≥ 0.5×', 'missed'],
      ['2b', '0.51×', '≥ 0.5×', 'met'],
      ['3', '0.9×', '≥ 0.85×', 'met'],
      ['4', '64.2 ms', '≤ 100 ms', 'met'],
      ['5', '664 MiB', '≤ 600 MiB', 'missed'],
      ['6a', '3.42 s', '≤ 5 s', 'met'],
      ['6b', '0 errors', '≤ 0 errors', 'met'],
      ['7', '—', '≤ 500 ms', 'unmeasured'],
    ]);
    expect(goalTally(suite)).toEqual({ met: 6, total: 9, sentence: '6 of 9 goals met. Not met: 2a, 5; not measured: 7.' });
    expect(goalTally({ ...suite, goals: suite.goals.filter((g) => g.met) }).sentence).toBe('6 of 6 goals met.');
    expect(goalTally({ ...suite, goals: [] }).sentence).toBe('The run checked no goals.');
    expect([amountText(1234.5, 'ms'), amountText(12.345, '×'), amountText(-0.5, 'ms'), amountText(3, '')]).toEqual(['1235 ms', '12.3×', '-0.5 ms', '3']);
  });

  test('Each pairing takes its figures from the measurement of its system and scenario, baseline → subject', () => {
    const rows = pairingRows(suite);
    expect(rows.map((r) => r.key)).toEqual(['features', 'gateway', 'tracing', 'logging', 'resilience', 'topology']);
    const features = rows[0];
    expect(features && [features.requestsPerS, features.ratio, features.p50, features.p99, features.cpuMsPerRequest, features.errors, features.erred]).toEqual(['1850 → 760', '0.41×', '4.9 → 12.4', '11.2 → 31.5', '0.98 → 2.47', '0 → 0', false]);
    // A side that answered errors marks the pairing.
    const erring = { ...suite, measurements: suite.measurements.map((m) => (m.system === 'microservices' && m.scenario === 'create-order' ? { ...m, figures: { ...m.figures, errors: 37 } } : m)) };
    expect(pairingRows(erring).find((r) => r.key === 'tracing')).toMatchObject({ errors: '0 → 37', erred: true });
    const topology = rows[5];
    expect(topology && [topology.baseline.label, topology.subject.label, topology.requestsPerS, topology.ratio]).toEqual(['Microservices', 'Modular monolith', '118 → 262', '2.22×']);
    // A side the run did not measure shows as such, not as another system's figures.
    const [first] = suite.pairings;
    const unmeasured = first && { ...suite, pairings: [{ ...first, baseline: { ...first.baseline, scenario: 'create-order' } }] };
    expect(unmeasured && pairingRows(unmeasured)[0]?.requestsPerS).toBe('— → 760');
    expect(ratioBars(suite).map((b) => [b.label, b.ratio === null ? null : Number(b.ratio.toFixed(2))])).toEqual([
      ['features', 0.41],
      ['gateway', 0.51],
      ['tracing', 0.9],
      ['logging', 0.85],
      ['resilience', 0.98],
      ['topology', 2.22],
    ]);
  });

  test('The open loop, the gateway at no load, memory and start-up read as the run measured them', () => {
    const open = openLoopRows(suite);
    expect(open.map((r) => [r.system, r.share, r.rate, r.requestsPerS, r.p99, r.p999, r.unsent, r.behind])).toEqual([
      ['microservices', '50%', '380', '380', '18.4', '41.2', '0', false],
      ['microservices', '80%', '608', '607', '64.2', '131.5', '0', false],
      ['microservices', '100%', '760', '702', '1420.0', '1612.0', '410', true],
      ['monolith', '50%', '805', '804', '9.1', '22.7', '0', false],
      ['monolith', '80%', '1288', '1286', '33.6', '71.8', '0', false],
    ]);
    expect(gatewayCost(suite)).toEqual({ requests: 2000, direct: '0.61 ms', gateway: '1.18 ms', added: '+0.57 ms' });
    const faster = suite.gateway_no_load && { ...suite, gateway_no_load: { ...suite.gateway_no_load, added_p50_ms: -0.04 } };
    expect(faster && gatewayCost(faster)?.added).toBe('−0.04 ms');
    expect(gatewayCost({ ...suite, gateway_no_load: null })).toBeNull();
    const memory = memoryView(suite);
    expect(memory?.rows.map((r) => [r.label, r.rssMiB, r.heapCommittedMiB, r.heapUsedMiB])).toEqual([
      ['gateway', '148', '71', '52'],
      ['order-service', '140', '61', '39'],
      ['payment-service', '128', '55', '40'],
      ['product-service', '126', '53', '42'],
      ['user-service', '122', '48', '30'],
      ['payment-provider', '84', '–', '–'],
      ['registry', '79', '–', '–'],
      ['Gateway and the four services', '664', '288', '203'],
    ]);
    expect(memoryView({ ...suite, memory: null })).toBeNull();
    // A run from before the heap was read, or with a service's heap missing: no heap total.
    const noHeaps = suite.memory && memoryView({ ...suite, memory: { ...suite.memory, heap_mib_by_process: undefined } });
    expect(noHeaps?.rows.at(-1)).toMatchObject({ rssMiB: '664', heapCommittedMiB: '–', heapUsedMiB: '–' });
    const four = suite.memory && memoryView({ ...suite, memory: { ...suite.memory, heap_mib_by_process: { gateway: { committed: 71.4, used: 52.3 } } } });
    expect(four?.rows.at(-1)?.heapCommittedMiB).toBe('–');
    expect([median([3420, 3180, 3650]), median([1240, 1190]), median([])]).toEqual([3420, 1215, undefined]);
    expect(startupRows(suite).slice(0, 5).map((r) => [r.system, r.median, r.all])).toEqual([
      ['microservices', '3.42 s', '3.42 s, 3.18 s, 3.65 s'],
      ['microservices-tracing-off', '3.31 s', '3.31 s'],
      ['microservices-logging-off', '3.29 s', '3.29 s'],
      ['microservices-resilience-off', '3.38 s', '3.38 s'],
      ['monolith', '1.22 s', '1.24 s, 1.19 s'],
    ]);
  });

  test('When a run is drawn, then the goals say which hold and which do not, in words, above the pairings, their ratio bars, the open loop and how it was measured', () => {
    const html = renderToStaticMarkup(createElement(SuiteView, { suite }));
    const text = textOf(html);
    expect(html.indexOf('id="suite-goals"')).toBeLessThan(html.indexOf('id="suite-pairings"'));
    expect(text).toContain('6 of 9 goals met. Not met: 2a, 5; not measured: 7.');
    expect(text).toContain('6 / 9 met');
    expect(textOf(rowOf(html, 'data-goal="1"'))).toContain('1 ✓ Met The gateway adds at most 1 ms to a request at no load (median) 0.57 ms ≤ 1 ms gateway_no_load');
    expect(textOf(rowOf(html, 'data-goal="2a"'))).toContain('2a ✗ Not met GET product on the microservices');
    expect(textOf(rowOf(html, 'data-goal="2a"'))).toContain('0.41× ≥ 0.5× pairing features');
    expect(textOf(rowOf(html, 'data-goal="7"'))).toContain('7 ✗ Not measured create-order’s p99.9');
    expect(textOf(rowOf(html, 'data-goal="7"'))).toContain('— ≤ 500 ms open loop');
    expect(html.match(/data-verdict="met"/g)).toHaveLength(6);
    expect(html.match(/data-verdict="missed"/g)).toHaveLength(2);
    // The ratio bars: one per pairing, the longest for the largest ratio, the line at 1× inside the chart.
    const chart = /data-chart="pairing-ratios".*?<\/figure>/s.exec(html)?.[0] ?? '';
    const widths = [...chart.matchAll(/<rect x="\d+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(6);
    expect(Math.max(...widths)).toBe(widths[5]);
    const one = Number(/<line x1="([\d.]+)"/.exec(chart)?.[1]);
    expect(one).toBeGreaterThan(92 + (widths[0] ?? Infinity));
    expect(one).toBeLessThan(92 + (widths[5] ?? 0));
    expect(textOf(chart)).toContain('1×');
    expect(textOf(rowOf(html, 'data-pairing="features"'))).toContain('Bare chain bare-chain Microservices microservices 1850 → 760 0.41× 4.9 → 12.4 11.2 → 31.5 0.98 → 2.47');
    // The open loop, its run that fell behind marked; the gateway, memory and start-up; the run's facts.
    expect(html.match(/data-behind="true"/g)).toHaveLength(1);
    expect(text).toContain('fell behind the rate');
    expect(text).toContain('Added +0.57 ms');
    expect(text).toContain('Gateway and the four services 664');
    expect(text).toContain('microservices 3.42 s 3.42 s, 3.18 s, 3.65 s');
    expect(text).toContain('npm run bench');
    expect(html).toContain('dateTime="2026-11-29T20:00:00.000Z"');
    expect(text).toContain('for 52 min 18 s');
    expect(text).toContain('OTEL_SDK_DISABLED=true npm start : The same, making and sending no spans');
  });

  test('When the run measured neither the gateway at no load nor memory, then their cards say so', () => {
    const text = textOf(renderToStaticMarkup(createElement(SuiteView, { suite: { ...suite, gateway_no_load: null, memory: null } })));
    expect(text.match(/Not measured in this run\./g)).toHaveLength(2);
  });

  test('When no suite has run, then the page says to run npm run bench with the ports free; when it cannot be read, the reason', () => {
    const missing = textOf(renderToStaticMarkup(createElement(MissingSuite, { answer: answer(404) })));
    expect(missing).toContain('The performance suite has not been run on this machine yet');
    expect(missing).toContain('run npm run bench ;');
    expect(missing).toContain('nothing else on ports 5000–5011');
    const broken = textOf(renderToStaticMarkup(createElement(MissingSuite, { answer: answer(500) })));
    expect(broken).toContain('The performance suite could not be read: docs/bench/suite.json is not a performance suite run');
  });
});
