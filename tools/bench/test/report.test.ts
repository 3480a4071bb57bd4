import { describe, expect, test } from 'vitest';
import { parseBenchArgs } from '../src/args.js';
import { formatTable, median, renderSvg, type BenchReport } from '../src/report.js';

const report: BenchReport = {
  scenario: 'create-order',
  description: 'POST /api/orders',
  comparison: 'tracing',
  startedAt: '2026-01-01T00:00:00.000Z',
  machine: { cpus: 2, node: 'v20', pinned: true },
  settings: { connections: 10, durationSeconds: 10, warmupSeconds: 3, rounds: 2 },
  variants: [
    { variant: 'tracing off', requestsPerSecond: 1000, p50Ms: 9, p99Ms: 25, errors: 0, cpuMsPerRequest: 1.9, rssMiB: 380, gatewayInFlightMean: 9.5, gatewayInFlightMax: 10, rounds: [] },
    { variant: 'tracing on', requestsPerSecond: 800, p50Ms: 11, p99Ms: 30, errors: 0, cpuMsPerRequest: 2.4, rssMiB: 400, gatewayInFlightMean: 9.8, gatewayInFlightMax: 10, rounds: [] },
  ],
};

describe('The benchmark report', () => {
  test('When rounds are summarised, then the median is used: the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  test('When a comparison is printed, then every variant has a row with its throughput relative to the first', () => {
    const table = formatTable(report);
    expect(table).toMatch(/tracing off\s+1000\s+1\.00×/);
    expect(table).toMatch(/tracing on\s+800\s+0\.80×\s+11\.0\s+30\.0\s+0\s+2\.40\s+400\s+9\.8\/10/);
  });

  test('When the CPU of each service was measured, then a second table gives CPU ms per request by service, one row per variant', () => {
    const table = formatTable({
      ...report,
      variants: report.variants.map((v, i) => ({ ...v, cpuMsPerRequestByService: { gateway: 0.9 + i, 'order-service': 1.1 + i } })),
    });
    expect(table).toMatch(/CPU ms\/req by service\s+gateway\s+order-service/);
    expect(table).toMatch(/tracing on\s+1\.90\s+2\.10/);
  });

  test('When the chart is drawn, then it is an SVG with one bar per variant, the longest for the fastest', () => {
    const svg = renderSvg(report);
    expect(svg.startsWith('<svg')).toBe(true);
    const widths = [...svg.matchAll(/<rect x="150" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[0]).toBeGreaterThan(widths[1] ?? Infinity);
  });

  test('When the options are wrong, then the error names the option', () => {
    expect(() => parseBenchArgs(['--scenario', 'nope'])).toThrow(/--scenario/);
    expect(() => parseBenchArgs(['--duration', '0'])).toThrow(/--duration/);
    expect(() => parseBenchArgs(['--compare', 'magic'])).toThrow(/--compare/);
    expect(parseBenchArgs(['--compare', 'tracing', '--rounds', '3'])).toMatchObject({ compare: 'tracing', rounds: 3, scenario: 'create-order' });
    expect(parseBenchArgs(['--compare', 'logging'])).toMatchObject({ compare: 'logging', scenario: 'create-order' });
  });
});
