import type { BenchSuite, SuiteFigures, SuiteGoal, SuitePairing } from '../../api/types';
import { ratioText } from './compare-model';

/** What became of a goal: it held, it did not, or the run did not measure it (so it does not hold either). */
export type GoalVerdict = 'met' | 'missed' | 'unmeasured';

/** Each verdict in words, beside its mark: the mark alone is not the label. */
export const VERDICT_LABELS: Record<GoalVerdict, string> = { met: 'Met', missed: 'Not met', unmeasured: 'Not measured' };
export const VERDICT_MARKS: Record<GoalVerdict, string> = { met: '✓', missed: '✗', unmeasured: '✗' };

/** A goal's verdict: a goal the run did not measure is not met, and says why. */
export function verdictOf(goal: SuiteGoal): GoalVerdict {
  if (goal.met) return 'met';
  return goal.measured === null ? 'unmeasured' : 'missed';
}

/**
 * A figure with its unit, as precise as its size needs: two decimals under 10, one under 100, none
 * above, trailing zeros dropped.
 *
 * @example
 * amountText(0.4108, '×') // '0.41×'
 * amountText(664.2, 'MiB') // '664 MiB'
 * amountText(1, 'ms') // '1 ms'
 */
export function amountText(value: number, unit: string): string {
  const size = Math.abs(value);
  const number = String(Number(value.toFixed(size >= 100 ? 0 : size >= 10 ? 1 : 2)));
  if (unit === '×') return `${number}×`;
  return unit === '' ? number : `${number} ${unit}`;
}

/** One row of the goals table. */
export interface GoalRow {
  key: string;
  id: string;
  goal: string;
  /** The figure the run measured, with its unit; "—" when it did not measure it. */
  measured: string;
  /** The target with its comparison: "≥ 0.5×", "≤ 600 MiB". */
  target: string;
  verdict: GoalVerdict;
  evidence: string;
}

export function goalRows(suite: BenchSuite): GoalRow[] {
  return suite.goals.map((goal) => ({
    key: goal.id,
    id: goal.id,
    goal: goal.goal,
    measured: goal.measured === null ? '—' : amountText(goal.measured, goal.unit),
    target: `${goal.comparison === '>=' ? '≥' : '≤'} ${amountText(goal.target, goal.unit)}`,
    verdict: verdictOf(goal),
    evidence: goal.evidence,
  }));
}

/** How the goals came out, counted, and in one sentence naming those that do not hold. */
export interface GoalTally {
  met: number;
  total: number;
  sentence: string;
}

/**
 * @example
 * goalTally(suite) // { met: 6, total: 9, sentence: '6 of 9 goals met. Not met: 2a, 5; not measured: 7.' }
 */
export function goalTally(suite: BenchSuite): GoalTally {
  const rows = goalRows(suite);
  const ids = (verdict: GoalVerdict) => rows.filter((row) => row.verdict === verdict).map((row) => row.id);
  const met = ids('met').length;
  const open = [
    ...(ids('missed').length > 0 ? [`not met: ${ids('missed').join(', ')}`] : []),
    ...(ids('unmeasured').length > 0 ? [`not measured: ${ids('unmeasured').join(', ')}`] : []),
  ].join('; ');
  const sentence = rows.length === 0 ? 'The run checked no goals.' : `${met} of ${rows.length} goals met.${open ? ` ${open.charAt(0).toUpperCase()}${open.slice(1)}.` : ''}`;
  return { met, total: rows.length, sentence };
}

/** The figures of one system in one scenario, as the suite measured them; undefined when it did not. */
export function figuresOf(suite: BenchSuite, side: SuitePairing['baseline']): SuiteFigures | undefined {
  return suite.measurements.find((m) => m.system === side.system && m.scenario === side.scenario)?.figures;
}

/** One row of the pairings table: each figure as "baseline → subject". */
export interface PairingRow {
  key: string;
  name: string;
  question: string;
  scenario: string;
  baseline: SuitePairing['baseline'];
  subject: SuitePairing['subject'];
  requestsPerS: string;
  /** Subject / baseline requests per second. */
  ratio: string;
  p50: string;
  p99: string;
  cpuMsPerRequest: string;
  /** Errors of each side, baseline → subject: a pairing with any is no measure of cost. */
  errors: string;
  /** Either side answered errors. */
  erred: boolean;
}

/** Two figures as "baseline → subject", "—" for one the run does not have. */
function sides(baseline: SuiteFigures | undefined, subject: SuiteFigures | undefined, pick: (f: SuiteFigures) => number, digits: number): string {
  const text = (figures: SuiteFigures | undefined) => (figures === undefined ? '—' : pick(figures).toFixed(digits));
  return `${text(baseline)} → ${text(subject)}`;
}

export function pairingRows(suite: BenchSuite): PairingRow[] {
  return suite.pairings.map((pairing) => {
    const baseline = figuresOf(suite, pairing.baseline);
    const subject = figuresOf(suite, pairing.subject);
    return {
      key: pairing.name,
      name: pairing.name,
      question: pairing.question,
      scenario: pairing.scenario,
      baseline: pairing.baseline,
      subject: pairing.subject,
      requestsPerS: sides(baseline, subject, (f) => f.requests_per_s, 0),
      ratio: ratioText(pairing.ratio.requests_per_s),
      p50: sides(baseline, subject, (f) => f.p50_ms, 1),
      p99: sides(baseline, subject, (f) => f.p99_ms, 1),
      cpuMsPerRequest: sides(baseline, subject, (f) => f.cpu_ms_per_request, 2),
      errors: sides(baseline, subject, (f) => f.errors, 0),
      erred: (baseline?.errors ?? 0) + (subject?.errors ?? 0) > 0,
    };
  });
}

/** One bar of the throughput ratios: a pairing, subject / baseline requests per second. */
export interface RatioBar {
  key: string;
  label: string;
  /** What is divided by what, in words. */
  detail: string;
  /** null when the baseline answered nothing. */
  ratio: number | null;
}

export function ratioBars(suite: BenchSuite): RatioBar[] {
  return suite.pairings.map((pairing) => ({
    key: pairing.name,
    label: pairing.name,
    detail: `${pairing.subject.label} / ${pairing.baseline.label}, ${pairing.scenario}`,
    ratio: pairing.ratio.requests_per_s,
  }));
}

/** One row of the open-loop table. */
export interface OpenLoopRow {
  key: string;
  system: string;
  scenario: string;
  share: string;
  rate: string;
  requestsPerS: string;
  p50: string;
  p90: string;
  p99: string;
  p999: string;
  errors: string;
  unsent: string;
  /** The system fell behind the rate (requests left unsent, or under 95 % answered): its latency is not that of the rate. */
  behind: boolean;
}

export function openLoopRows(suite: BenchSuite): OpenLoopRow[] {
  return suite.open_loop.map((run) => ({
    key: `${run.system}-${run.scenario}-${run.share}`,
    system: run.system,
    scenario: run.scenario,
    share: `${Math.round(run.share * 100)}%`,
    rate: String(run.rate_per_s),
    requestsPerS: run.requests_per_s.toFixed(0),
    p50: run.p50_ms.toFixed(1),
    p90: run.p90_ms.toFixed(1),
    p99: run.p99_ms.toFixed(1),
    p999: run.p999_ms.toFixed(1),
    errors: String(run.errors),
    unsent: String(run.unsent),
    behind: run.unsent > 0 || run.requests_per_s < 0.95 * run.rate_per_s,
  }));
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** The gateway at no load, in words; null when the run did not measure it. */
export interface GatewayCost {
  requests: number;
  direct: string;
  gateway: string;
  /** Signed: "+0.57 ms". */
  added: string;
}

export function gatewayCost(suite: BenchSuite): GatewayCost | null {
  const figures = suite.gateway_no_load;
  if (figures === null) return null;
  const sign = figures.added_p50_ms < 0 ? '−' : '+';
  return { requests: figures.requests, direct: ms(figures.direct_p50_ms), gateway: ms(figures.gateway_p50_ms), added: `${sign}${ms(Math.abs(figures.added_p50_ms))}` };
}

/** One row of the memory table: a process, or the services' total. */
export interface MemoryRow {
  key: string;
  label: string;
  rssMiB: string;
  /** Its V8 heap, what V8 has taken and what objects fill, when the run read it ('–' otherwise). */
  heapCommittedMiB: string;
  heapUsedMiB: string;
  total: boolean;
}

/** The gateway and the four services, whose memory goal 6a holds. */
const FIVE = 5;

/** Memory after the mixed load: each process, the largest first, then the gateway and the four services together; null when the run did not measure it. */
export interface MemoryView {
  loadS: number;
  scenario: string;
  rows: MemoryRow[];
}

export function memoryView(suite: BenchSuite): MemoryView | null {
  const memory = suite.memory;
  if (memory === null) return null;
  const heaps = memory.heap_mib_by_process ?? {};
  const mib = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(0));
  const processes = Object.entries(memory.rss_mib_by_process)
    .sort(([, a], [, b]) => b - a)
    .map(([process, rss]) => ({ key: process, label: process, rssMiB: rss.toFixed(0), heapCommittedMiB: mib(heaps[process]?.committed), heapUsedMiB: mib(heaps[process]?.used), total: false }));
  // The heap's total only when every one of the five has its heap in the run.
  const five = Object.values(heaps);
  const sum = (pick: (heap: { committed: number; used: number }) => number) => (five.length === FIVE ? five.reduce((total, heap) => total + pick(heap), 0) : undefined);
  const total = {
    key: 'services-total',
    label: 'Gateway and the four services',
    rssMiB: memory.services_rss_mib.toFixed(0),
    heapCommittedMiB: mib(sum((heap) => heap.committed)),
    heapUsedMiB: mib(sum((heap) => heap.used)),
    total: true,
  };
  return { loadS: memory.load_s, scenario: memory.scenario, rows: [...processes, total] };
}

/** The middle value (the mean of the two middle ones for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`;

/** One system's start-up times: the median, and each start in the order of the run. */
export interface StartupRow {
  key: string;
  system: string;
  median: string;
  all: string;
}

export function startupRows(suite: BenchSuite): StartupRow[] {
  return suite.systems.map((system) => {
    const middle = median(system.startup_ms);
    return { key: system.name, system: system.name, median: middle === undefined ? '—' : seconds(middle), all: system.startup_ms.map(seconds).join(', ') || '—' };
  });
}
