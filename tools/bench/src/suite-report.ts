import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchSuite, SuiteFigures, SuiteGoal, SuiteMeasurement, SuiteOpenLoop, SuitePairing, SuiteSystemName } from '@microshop/contracts';
import { addFailures, describeFailures } from './call-failures.js';
import { median } from './report.js';
import { SCENARIOS } from './scenarios.js';
import { SUITE_PAIRINGS, type SuiteSystemPlan } from './suite-plan.js';
import { summariseTopology, type TopologyRun } from './topology-report.js';

/** What the suite measured, before it is summarised: closed-loop runs by `system|scenario`, start-up times by system. */
export interface SuiteRuns {
  closed: Map<string, TopologyRun[]>;
  startupMs: Map<SuiteSystemName, number[]>;
}

export interface SuiteInputs {
  runs: SuiteRuns;
  plans: readonly SuiteSystemPlan[];
  openLoop: SuiteOpenLoop[];
  noLoad: BenchSuite['gateway_no_load'];
  memory: BenchSuite['memory'];
  meta: Pick<BenchSuite, 'command' | 'started_at' | 'finished_at' | 'machine' | 'settings'>;
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;
const ratioOf = (subject: number, baseline: number) => (baseline > 0 ? round3(subject / baseline) : null);

/** The figures of the rounds of one scenario on one system. */
export function suiteFigures(runs: readonly TopologyRun[]): SuiteFigures {
  const { requests_per_s, p50_ms, p99_ms, errors, requests, cpu_ms_per_request, rss_mib, cpu_ms_per_request_by_process, rounds } = summariseTopology(runs);
  const counted = runs.flatMap((run) => (run.calls ? [run.calls] : []));
  const calls = counted.length ? { calls: counted.reduce(addFailures) } : {};
  return { requests_per_s, p50_ms, p99_ms, errors, requests, cpu_ms_per_request, rss_mib, cpu_ms_per_request_by_process, rounds, ...calls };
}

/** Every pairing whose two sides were measured, with the subject's figures over the baseline's. */
export function pairingsOf(measurements: readonly SuiteMeasurement[]): SuitePairing[] {
  const find = (system: string, scenario: string) => measurements.find((m) => m.system === system && m.scenario === scenario)?.figures;
  return SUITE_PAIRINGS.flatMap((plan): SuitePairing[] => {
    const baseline = find(plan.baseline.system, plan.baseline.scenario);
    const subject = find(plan.subject.system, plan.subject.scenario);
    if (!baseline || !subject) return [];
    return [
      {
        name: plan.name,
        question: plan.question,
        scenario: plan.scenario,
        description: SCENARIOS[plan.subject.scenario]?.description ?? '',
        baseline: plan.baseline,
        subject: plan.subject,
        ratio: {
          requests_per_s: ratioOf(subject.requests_per_s, baseline.requests_per_s),
          p50_ms: ratioOf(subject.p50_ms, baseline.p50_ms),
          p99_ms: ratioOf(subject.p99_ms, baseline.p99_ms),
          cpu_ms_per_request: ratioOf(subject.cpu_ms_per_request, baseline.cpu_ms_per_request),
        },
      },
    ];
  });
}

/** A goal checked: measured against target. A goal the run did not measure is reported as such, never as met. */
function goal(id: string, text: string, measured: number | null, comparison: '>=' | '<=', target: number, unit: string, evidence: string): SuiteGoal {
  const met = measured !== null && (comparison === '>=' ? measured >= target : measured <= target);
  return { id, goal: text, measured: measured === null ? null : round3(measured), target, comparison, unit, met, evidence };
}

/** Microshop's own systems: the goals on tails hold for them, not for the bare references. */
const MICROSHOP_SYSTEMS: readonly string[] = ['microservices', 'microservices-tracing-off', 'microservices-sampled', 'microservices-logging-off', 'microservices-resilience-off', 'monolith'];

/** A goal's evidence, with another pairing's ratio when the run measured it: what the same feature costs the bare chain (the floor the goal is held to), or what a setting of it costs. */
const withRatio = (evidence: string, floor: number | null, what: string) => (floor === null ? evidence : `${evidence}; ${what}: ${round3(floor)}×`);

/** Another pairing a goal's evidence quotes. */
interface Beside {
  pairing: string;
  what: string;
}

/** autocannon's latency resolution: a p50 under it reads 0 ms. */
const LATENCY_RESOLUTION_MS = 1;

/** p99 over p50, a p50 under the generator's resolution counted as that resolution (0 ms would make any tail infinite). */
const tailOf = (m: SuiteMeasurement) => m.figures.p99_ms / Math.max(m.figures.p50_ms, LATENCY_RESOLUTION_MS);

/** The issue's goals, checked against one run's figures. */
export function goalsOf(report: Pick<BenchSuite, 'pairings' | 'measurements' | 'gateway_no_load' | 'memory' | 'systems' | 'settings'>): SuiteGoal[] {
  const ratio = (name: string) => report.pairings.find((p) => p.name === name)?.ratio.requests_per_s ?? null;
  const errorsOf = (side: { system: string; scenario: string }) =>
    report.measurements.find((m) => m.system === side.system && m.scenario === side.scenario)?.figures.errors ?? 0;
  const evidence = (name: string) => {
    const p = report.pairings.find((x) => x.name === name);
    return p ? `${p.subject.label} / ${p.baseline.label}, ${p.scenario}, req/s` : 'not measured in this run';
  };
  /**
   * A goal held by one pairing's ratio. When either side answered errors, its rate counts refusals
   * (a breaker's or a bulkhead's 503 is fast), so the ratio says nothing of what a feature costs: the
   * figure is kept, the goal is not met, and the evidence says why.
   */
  const ratioGoal = (id: string, text: string, name: string, target: number, ...besides: Beside[]) => {
    const p = report.pairings.find((x) => x.name === name);
    const said = besides.reduce((text, beside) => withRatio(text, ratio(beside.pairing), beside.what), evidence(name));
    const checked = goal(id, text, ratio(name), '>=', target, '×', said);
    if (!p) return checked;
    const [subject, baseline] = [errorsOf(p.subject), errorsOf(p.baseline)];
    if (subject + baseline === 0) return checked;
    return { ...checked, met: false, evidence: `no measure of cost: ${subject} errors in ${p.subject.label}, ${baseline} in ${p.baseline.label}, and a rate that counts refusals is not a throughput; ${said}` };
  };
  const ours = report.measurements.filter((m) => MICROSHOP_SYSTEMS.includes(m.system));
  const worst = ours.reduce<SuiteMeasurement | undefined>((w, m) => (!w || tailOf(m) > tailOf(w) ? m : w), undefined);
  const worstTail = worst ? tailOf(worst) : null;
  const errors = ours.length ? ours.reduce((sum, m) => sum + m.figures.errors, 0) : null;
  const counted = ours.flatMap((m) => (m.figures.calls ? [m.figures.calls] : []));
  const between = counted.length ? describeFailures(counted.reduce(addFailures)) : undefined;
  const startup = report.systems.find((s) => s.name === 'microservices')?.startup_ms ?? [];
  const monolithStartup = report.systems.find((s) => s.name === 'monolith')?.startup_ms ?? [];
  const connections = report.settings.connections;
  return [
    ratioGoal('1', 'Full-featured order creation through the gateway ≥ 0.9× the bare-bones chain of the same shape', 'features', 0.9, { pairing: 'bare-tracing', what: 'tracing alone, on the bare chain' }),
    ratioGoal('2a', 'GET product through the gateway ≥ 0.33× directly, the gateway sharing the core with the service', 'gateway', 0.33),
    goal(
      '2b',
      'The gateway adds ≤ 0.25 ms to p50 at no load',
      report.gateway_no_load?.added_p50_ms ?? null,
      '<=',
      0.25,
      'ms',
      report.gateway_no_load ? `p50 of ${report.gateway_no_load.requests} GET product each way, one at a time: ${report.gateway_no_load.gateway_p50_ms} ms through the gateway − ${report.gateway_no_load.direct_p50_ms} ms directly` : 'not measured in this run',
    ),
    ratioGoal('3a', 'The monolith ≥ 0.9× the bare in-process ceiling of the same flow', 'ceiling', 0.9),
    ratioGoal('3b', 'Microservices ≥ 0.38× the monolith for order creation', 'topology', 0.38),
    ratioGoal(
      '4a',
      'Tracing on ≥ 0.85× tracing off',
      'tracing',
      0.85,
      { pairing: 'tracing-sampled', what: 'with 10 % of traces kept' },
      { pairing: 'bare-tracing', what: "the bare chain traced with OpenTelemetry's SDK, over the bare chain" },
    ),
    ratioGoal('4b', 'Structured logging at info level ≥ 0.95× logging off', 'logging', 0.95, { pairing: 'bare-logging', what: "the bare chain with fastify's request log, over the bare chain" }),
    goal(
      '5a',
      `At ${connections} connections every route keeps p99 ≤ 3× p50`,
      worstTail,
      '<=',
      3,
      '×',
      worst ? `worst of ${ours.length} Microshop measurements: ${worst.system} ${worst.scenario}, p99 ${worst.figures.p99_ms} ms / p50 ${worst.figures.p50_ms} ms` : 'not measured in this run',
    ),
    goal('5b', `At ${connections} connections every route answers with zero errors`, errors, '<=', 0, 'errors', `summed over ${ours.length} Microshop measurements${between ? `; between their processes: ${between}` : ''}`),
    goal(
      '6a',
      'All five services ≤ 400 MB RSS together after a 60 s mixed load',
      report.memory && report.memory.load_s >= 60 ? report.memory.services_rss_mib : null,
      '<=',
      400,
      'MiB',
      report.memory ? `gateway and the four services after ${report.memory.load_s} s of the mixed flow${report.memory.load_s < 60 ? ' (shorter than the goal\'s 60 s: not checked)' : ''}` : 'not measured in this run',
    ),
    goal(
      '6b',
      'npm start to all healthy ≤ 3 s on a warm machine',
      startup.length ? median(startup) / 1000 : null,
      '<=',
      3,
      's',
      startup.length ? `median of ${startup.length} starts of the microservices in this run (${startup.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s); the monolith: ${monolithStartup.length ? `${(median(monolithStartup) / 1000).toFixed(1)} s` : 'not started'}` : 'not measured in this run',
    ),
  ];
}

/** The report of one run: measurements, pairings, goals. */
export function buildSuiteReport({ runs, plans, openLoop, noLoad, memory, meta }: SuiteInputs): BenchSuite {
  const measurements: SuiteMeasurement[] = [...runs.closed.entries()].map(([key, rounds]) => {
    const [system, scenario] = key.split('|') as [SuiteSystemName, string];
    return { system, scenario, figures: suiteFigures(rounds) };
  });
  const systems = plans.map((plan) => ({ name: plan.name, description: plan.description, start: plan.start, startup_ms: runs.startupMs.get(plan.name) ?? [] }));
  const pairings = pairingsOf(measurements);
  const partial = { pairings, measurements, gateway_no_load: noLoad, memory, systems, settings: meta.settings };
  return { suite: 'performance', ...meta, systems, measurements, pairings, open_loop: openLoop, gateway_no_load: noLoad, memory, goals: goalsOf(partial) };
}

/** Columns padded into an aligned table: figures to the right, the first column and any `text` column to the left. */
function table(header: string[], rows: string[][], text: readonly number[] = [0]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (text.includes(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const fixed = (value: number | null | undefined, digits = 2) => (value === null || value === undefined ? '-' : value.toFixed(digits));

/** The report as text: every measurement, the pairings, the open-loop runs, and the goals. */
export function formatSuite(report: BenchSuite): string {
  const measured = table(
    ['system', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU ms/req', 'RSS MiB'],
    report.measurements.map((m) => [m.system, m.scenario, fixed(m.figures.requests_per_s, 0), fixed(m.figures.p50_ms), fixed(m.figures.p99_ms), String(m.figures.errors), fixed(m.figures.cpu_ms_per_request, 3), fixed(m.figures.rss_mib, 0)]),
    [0, 1],
  );
  const pairings = table(
    ['pairing', 'subject / baseline', 'req/s ×', 'p50 ×', 'p99 ×', 'CPU/req ×'],
    report.pairings.map((p) => [p.name, `${p.subject.label} / ${p.baseline.label}`, fixed(p.ratio.requests_per_s), fixed(p.ratio.p50_ms), fixed(p.ratio.p99_ms), fixed(p.ratio.cpu_ms_per_request)]),
    [0, 1],
  );
  const open = table(
    ['open loop', 'rate/s', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'errors', 'not sent'],
    report.open_loop.map((o) => [`${o.system} ${o.scenario} ${Math.round(o.share * 100)} %`, String(o.rate_per_s), fixed(o.requests_per_s, 0), fixed(o.p50_ms), fixed(o.p90_ms), fixed(o.p99_ms), fixed(o.p999_ms), String(o.errors), String(o.unsent)]),
  );
  const extras = [
    report.gateway_no_load ? `Gateway at no load: p50 ${report.gateway_no_load.direct_p50_ms} ms directly, ${report.gateway_no_load.gateway_p50_ms} ms through the gateway (+${report.gateway_no_load.added_p50_ms} ms), ${report.gateway_no_load.requests} requests each way` : '',
    report.memory ? `Memory after ${report.memory.load_s} s mixed load: ${Object.entries(report.memory.rss_mib_by_process).map(([name, mib]) => `${name} ${mib}`).join(', ')} MiB; the five services ${report.memory.services_rss_mib} MiB` : '',
    report.memory?.heap_mib_by_process ? `V8 heap then, committed / used: ${Object.entries(report.memory.heap_mib_by_process).map(([name, heap]) => `${name} ${heap.committed} / ${heap.used}`).join(', ')} MiB` : '',
    `Start-up (spawn to all healthy): ${report.systems.map((s) => `${s.name} ${s.startup_ms.length ? `${(median(s.startup_ms) / 1000).toFixed(2)} s` : '-'}`).join(', ')}`,
  ].filter(Boolean);
  const goals = table(
    ['goal', 'measured', 'target', 'met', 'what'],
    report.goals.map((g) => [g.id, g.measured === null ? 'not measured' : `${g.measured} ${g.unit}`, `${g.comparison} ${g.target} ${g.unit}`, g.measured === null ? '-' : g.met ? 'yes' : 'NO', g.goal]),
    [0, 4],
  );
  return [measured, '', pairings, '', open, '', ...extras, '', goals].join('\n');
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A bar chart of every pairing's throughput ratio, with the 1× line, as a standalone SVG. */
export function renderSuiteSvg(report: BenchSuite): string {
  const width = 760;
  const left = 330;
  const top = 60;
  const barHeight = 22;
  const gap = 8;
  const pairings = report.pairings.filter((p) => p.ratio.requests_per_s !== null);
  const max = Math.max(1.2, ...pairings.map((p) => p.ratio.requests_per_s ?? 0));
  const scale = (width - left - 70) / max;
  const bars = pairings
    .map((p, i) => {
      const y = top + i * (barHeight + gap);
      const ratio = p.ratio.requests_per_s ?? 0;
      return `<text x="${left - 8}" y="${y + 16}" text-anchor="end">${escape(`${p.name}: ${p.subject.label} / ${p.baseline.label}`)}</text>
  <rect x="${left}" y="${y}" width="${(ratio * scale).toFixed(1)}" height="${barHeight}" fill="${ratio >= 1 ? '#16a34a' : '#3b82f6'}"/>
  <text x="${(left + ratio * scale + 6).toFixed(1)}" y="${y + 16}">${ratio.toFixed(2)}×</text>`;
    })
    .join('\n  ');
  const height = top + pairings.length * (barHeight + gap) + 24;
  const one = left + scale;
  const subtitle = `${report.settings.connections} connections, ${report.settings.duration_s} s × ${report.settings.rounds} rounds (median), ${report.machine.cpus} CPUs${report.machine.pinned ? ', system on CPU 1' : ''}, ${report.started_at.slice(0, 10)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="16" y="24" font-size="16" font-weight="600">Performance suite: requests per second, subject / baseline</text>
  <text x="16" y="42" fill="#555">${escape(subtitle)}</text>
  ${bars}
  <line x1="${one.toFixed(1)}" y1="${top - 6}" x2="${one.toFixed(1)}" y2="${height - 18}" stroke="#111" stroke-dasharray="4 3"/>
  <text x="${one.toFixed(1)}" y="${height - 6}" text-anchor="middle" fill="#111">1×</text>
</svg>
`;
}

/** Writes `suite.json` and `suite.svg` into the directory and returns their paths. */
export function saveSuiteReport(report: BenchSuite, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'suite.json');
  const svg = path.join(dir, 'suite.svg');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(svg, renderSuiteSvg(report));
  return [json, svg];
}
