import { matchesContract } from '@microshop/chassis';
import { BenchSuite, SUITE_SYSTEMS, SuiteSystemNameSchema } from '@microshop/contracts';
import { describe, expect, test } from 'vitest';
import { parseBenchArgs } from '../src/args.js';
import { SCENARIOS } from '../src/scenarios.js';
import { SUITE_PAIRINGS, SUITE_SYSTEM_PLANS } from '../src/suite-plan.js';
import { buildSuiteReport, formatSuite, renderSuiteSvg, type SuiteRuns } from '../src/suite-report.js';
import type { TopologyRun } from '../src/topology-report.js';

/** One closed-loop run: 10 s at `rps`, CPU spread over two processes. */
const run = (rps: number, p50 = 10, p99 = 25, errors = 0): TopologyRun => ({
  requestsPerSecond: rps,
  p50Ms: p50,
  p99Ms: p99,
  errors,
  requests: rps * 10,
  unsent: 0,
  cpuSecondsByProcess: { 'gateway-1': rps / 400, 'order-service-1': rps / 400 },
  cpuSecondsUnderLoad: rps / 200,
  wallSeconds: 10,
  rssBytes: 300 * 1024 * 1024,
});

/** Runs as the suite records them, two rounds per measurement. */
function runsOf(figures: Record<string, [number, number?, number?, number?]>, startup: Partial<Record<(typeof SUITE_SYSTEMS)[number], number[]>> = {}): SuiteRuns {
  const closed = new Map(Object.entries(figures).map(([key, [rps, p50, p99, errors]]) => [key, [run(rps, p50, p99, errors), run(rps, p50, p99, errors)]]));
  return { closed, startupMs: new Map(Object.entries(startup) as [(typeof SUITE_SYSTEMS)[number], number[]][]) };
}

const META = {
  command: 'npm run bench',
  started_at: '2026-11-29T20:00:00.000Z',
  finished_at: '2026-11-29T20:15:00.000Z',
  machine: { cpus: 2, node: 'v20.20.2', pinned: true },
  settings: { duration_s: 5, warmup_s: 2, rounds: 2, connections: 50, memory_load_s: 60 },
};

describe('The performance suite: options', () => {
  test('When npm run bench is given no scenario or comparison, then it runs the suite at 50 connections; a single scenario keeps its own defaults', () => {
    expect(parseBenchArgs([])).toMatchObject({ suite: true, connections: 50, durationSeconds: 5, warmupSeconds: 2, rounds: 2, memoryLoadSeconds: 60, noLoadRequests: 2000, settleSeconds: 10, systems: [] });
    expect(parseBenchArgs(['--suite', '--duration', '8'])).toMatchObject({ suite: true, durationSeconds: 8 });
    expect(parseBenchArgs(['--scenario', 'create-order'])).toMatchObject({ suite: false, connections: 10, durationSeconds: 10 });
    expect(parseBenchArgs(['--systems', 'bare-chain,microservices'])).toMatchObject({ systems: ['bare-chain', 'microservices'] });
  });

  test('When the suite is combined with a scenario or a comparison, or names an unknown system, then the option is named', () => {
    expect(() => parseBenchArgs(['--suite', '--scenario', 'health'])).toThrow(/--suite/);
    expect(() => parseBenchArgs(['--systems', 'mainframe'])).toThrow(/--systems .*"mainframe"/);
    expect(() => parseBenchArgs(['--compare', 'tracing', '--systems', 'monolith'])).toThrow(/--systems belongs to the suite/);
    expect(() => parseBenchArgs(['--memory-load', '500'])).toThrow(/--memory-load/);
  });
});

describe('The performance suite: plan', () => {
  test('When the plan is read, then every system is in the contract, every scenario exists, and every pairing compares two measurements the plan makes', () => {
    expect(SUITE_SYSTEM_PLANS.map((p) => p.name)).toEqual([...SUITE_SYSTEMS]);
    for (const name of SUITE_SYSTEMS) expect(matchesContract(SuiteSystemNameSchema, name)).toBe(true);
    for (const plan of SUITE_SYSTEM_PLANS) {
      for (const scenario of plan.scenarios) expect(SCENARIOS[scenario], `${plan.name} ${scenario}`).toBeDefined();
      expect(Boolean(plan.bare) !== Boolean(plan.microshop)).toBe(true);
    }
    const measured = (side: { system: string; scenario: string }) => SUITE_SYSTEM_PLANS.find((p) => p.name === side.system)?.scenarios.includes(side.scenario);
    for (const pairing of SUITE_PAIRINGS) {
      expect(measured(pairing.baseline), `${pairing.name} baseline`).toBe(true);
      expect(measured(pairing.subject), `${pairing.name} subject`).toBe(true);
    }
  });
});

describe('The performance suite: report and goals', () => {
  const runs = runsOf(
    {
      'bare-chain|create-order': [2000],
      'microservices|create-order': [1000, 20, 50],
      'bare-inprocess|create-order': [6000],
      'monolith|create-order': [5700, 5, 14],
      'microservices|get-product-direct': [9000, 4, 9],
      'microservices|get-product': [3300, 12, 40],
      'microservices-tracing-off|create-order': [1100, 18, 45],
      'microservices-sampled|create-order': [1045, 19, 48],
      'microservices-logging-off|create-order': [1010, 20, 50],
      'bare-chain-traced|create-order': [500, 40, 90],
      'microservices|mixed': [800, 30, 80, 3],
    },
    { microservices: [2500, 3100, 2900], monolith: [1500] },
  );
  const report = buildSuiteReport({
    runs,
    plans: SUITE_SYSTEM_PLANS,
    openLoop: [{ system: 'microservices', scenario: 'create-order', max_requests_per_s: 1000, share: 0.5, rate_per_s: 500, requests_per_s: 499, p50_ms: 3, p90_ms: 5, p99_ms: 9, p999_ms: 20, errors: 0, unsent: 0 }],
    noLoad: { requests: 2000, direct_p50_ms: 0.4, gateway_p50_ms: 0.9, added_p50_ms: 0.5 },
    memory: { load_s: 60, scenario: 'mixed', rss_mib_by_process: { gateway: 90, 'user-service': 70, 'product-service': 70, 'order-service': 80, 'payment-service': 75, registry: 60 }, services_rss_mib: 385, heap_mib_by_process: { gateway: { committed: 40.5, used: 31.2 }, 'order-service': { committed: 44, used: 30.9 } } },
    meta: META,
  });
  const goal = (id: string) => report.goals.find((g) => g.id === id);

  test('When the runs are summarised, then the report matches the contract the gateway serves', () => {
    expect(matchesContract(BenchSuite, report)).toBe(true);
    expect(report.measurements).toHaveLength(11);
  });

  test('When both sides of a pairing were measured, then its ratios are the subject over the baseline; pairings with a side missing are left out', () => {
    const features = report.pairings.find((p) => p.name === 'features');
    expect(features?.ratio).toMatchObject({ requests_per_s: 0.5, p50_ms: 2, p99_ms: 2 });
    expect(report.pairings.find((p) => p.name === 'topology')?.ratio.requests_per_s).toBe(0.175);
    // No resilience-off measurement, no health on either side: not paired.
    expect(report.pairings.map((p) => p.name)).not.toContain('resilience');
    expect(report.pairings.map((p) => p.name)).not.toContain('framework-floor');
  });

  test('When the goals are checked, then each is met or not by its own figure, and one the run did not measure is never met', () => {
    expect(goal('1')).toMatchObject({ measured: 0.5, met: false });
    expect(goal('2a')).toMatchObject({ measured: 0.367, met: true });
    expect(goal('2b')).toMatchObject({ measured: 0.5, met: false });
    expect(goal('3a')).toMatchObject({ measured: 0.95, met: true });
    expect(goal('3b')).toMatchObject({ measured: 0.175, met: false });
    expect(goal('4a')).toMatchObject({ measured: 0.909, met: true });
    expect(goal('4b')).toMatchObject({ measured: 0.99, met: true });
    // What the same feature costs the bare chain is quoted beside the goal it holds, when measured.
    expect(goal('4a')?.evidence).toContain("the bare chain traced with OpenTelemetry's SDK, over the bare chain: 0.25×");
    // Goal 4a is held at the defaults (every trace kept); what sampling buys is quoted beside it.
    expect(report.pairings.find((p) => p.name === 'tracing-sampled')?.ratio.requests_per_s).toBe(0.95);
    expect(goal('4a')?.evidence).toBe("tracing on / tracing off, create-order, req/s; with 10 % of traces kept: 0.95×; the bare chain traced with OpenTelemetry's SDK, over the bare chain: 0.25×");
    expect(goal('1')?.evidence).toContain('tracing alone, on the bare chain: 0.25×');
    expect(goal('4b')?.evidence).not.toContain('bare chain');
    // The worst tail: the gateway read, 40 / 12.
    expect(goal('5a')).toMatchObject({ measured: 3.333, met: false });
    expect(goal('5a')?.evidence).toContain('microservices get-product');
    // Three errors per round of the mixed flow, two rounds.
    expect(goal('5b')).toMatchObject({ measured: 6, met: false });
    expect(goal('6a')).toMatchObject({ measured: 385, met: true });
    expect(goal('6b')).toMatchObject({ measured: 2.9, met: true });

    // A p50 under autocannon's 1 ms resolution reads 0: the tail is held against 1 ms, never infinite (which JSON would write as null).
    const fast = buildSuiteReport({ runs: runsOf({ 'microservices|health': [9000, 0, 4] }), plans: SUITE_SYSTEM_PLANS, openLoop: [], noLoad: null, memory: null, meta: META });
    expect(fast.goals.find((g) => g.id === '5a')).toMatchObject({ measured: 4, met: false });

    const unmeasured = buildSuiteReport({ runs: runsOf({}), plans: SUITE_SYSTEM_PLANS, openLoop: [], noLoad: null, memory: { ...report.memory!, load_s: 10 }, meta: META });
    for (const g of unmeasured.goals.filter((x) => x.id !== '5b')) expect(g, g.id).toMatchObject({ measured: null, met: false });
  });

  test('When either side of a pairing answered errors, then its goal is not met whatever the ratio, and the evidence counts the errors on each side', () => {
    // Tracing off fell into refusals: fast 503s, a low rate, a ratio that flatters tracing.
    const refused = buildSuiteReport({
      runs: runsOf({ 'microservices|create-order': [110, 400, 600], 'microservices-tracing-off|create-order': [18, 60, 1200, 790], 'microservices-logging-off|create-order': [120, 380, 560] }),
      plans: SUITE_SYSTEM_PLANS,
      openLoop: [],
      noLoad: null,
      memory: null,
      meta: META,
    });
    const tracing = refused.goals.find((g) => g.id === '4a');
    expect(tracing).toMatchObject({ measured: 6.111, met: false });
    expect(tracing?.evidence).toMatch(/^no measure of cost: 0 errors in .+, 1580 in .+; /);
    // The other side clean, the goal is checked on its figure as ever.
    expect(refused.goals.find((g) => g.id === '4b')).toMatchObject({ measured: 0.917, met: false });
    expect(refused.goals.find((g) => g.id === '4b')?.evidence).not.toContain('errors');
    expect(goal('4a')?.evidence).not.toContain('errors');
  });

  test("When the runs carry what the calls between the processes met, then each measurement sums its rounds, and goal 5b says what it was", () => {
    const calls = { timed_out: 40, refused_breaker_open: 750, refused_bulkhead_full: 0, breakers_opened: 3 };
    const runs = runsOf({ 'bare-chain|create-order': [2000] });
    runs.closed.set('microservices|list-orders', [{ ...run(14, 78, 1679, 773), calls }, { ...run(16, 70, 1500, 773), calls }]);
    const report = buildSuiteReport({ runs, plans: SUITE_SYSTEM_PLANS, openLoop: [], noLoad: null, memory: null, meta: META });
    expect(matchesContract(BenchSuite, report)).toBe(true);
    const listed = report.measurements.find((m) => m.system === 'microservices');
    expect(listed?.figures.calls).toEqual({ timed_out: 80, refused_breaker_open: 1500, refused_bulkhead_full: 0, breakers_opened: 6 });
    expect(report.measurements.find((m) => m.system === 'bare-chain')?.figures.calls).toBeUndefined();
    expect(report.goals.find((g) => g.id === '5b')).toMatchObject({ measured: 1546, met: false });
    expect(report.goals.find((g) => g.id === '5b')?.evidence).toBe('summed over 1 Microshop measurements; between their processes: 80 calls timed out, 1500 refused by an open breaker, breakers opened 6 times');
  });

  test('When the report is printed and drawn, then the table names every goal with its verdict, and the chart has a bar per pairing and the 1× line', () => {
    const text = formatSuite(report);
    expect(text).toMatch(/^1 +0\.5 × +>= 0\.9 × +NO +Full-featured order creation/m);
    expect(text).toMatch(/^2a +0\.367 × +>= 0\.33 × +yes/m);
    expect(text).toContain('microservices create-order 50 %');
    expect(text).toContain('+0.5 ms');
    expect(text).toContain('V8 heap then, committed / used: gateway 40.5 / 31.2, order-service 44 / 30.9 MiB');
    const svg = renderSuiteSvg(report);
    expect(svg.match(/<rect x="330"/g)).toHaveLength(report.pairings.length);
    expect(svg).toContain('>1×</text>');
    expect(svg).toContain('features: Microshop, microservices / bare chain');
  });
});
