import type { TopologyComparison, TopologyFigures, TopologyLoad, TopologyResult } from '../../api/types';

/** The two topologies, in the order the page shows them: microservices, the baseline, first. */
export const TOPOLOGY_ORDER = ['microservices', 'monolith'] as const;
export type TopologyKey = (typeof TOPOLOGY_ORDER)[number];

/** The colour of each topology's bars and swatches (the benchmark's own chart uses the same). */
export const TOPOLOGY_COLOURS: Record<TopologyKey, string> = { microservices: '#3b82f6', monolith: '#f59e0b' };

/** How each topology is named on the page. */
export const TOPOLOGY_LABELS: Record<TopologyKey, string> = { microservices: 'Microservices', monolith: 'Modular monolith' };

/** A ratio as the tables show it: "1.85×", or "—" when there is none. */
export function ratioText(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : `${ratio.toFixed(2)}×`;
}

/** A load in words: "closed loop, 10 connections" or "open loop, 100 req/s offered". */
export function loadText(load: TopologyLoad): string {
  return load.mode === 'closed' ? `closed loop, ${load.connections} connections` : `open loop, ${load.rate_per_s ?? 0} req/s offered`;
}

/** One scenario and its results, one per load, closed loop first. */
export interface ScenarioResults {
  scenario: string;
  description: string;
  results: TopologyResult[];
}

/** The report's results grouped by scenario, in the order the benchmark ran them. */
export function byScenario(report: TopologyComparison): ScenarioResults[] {
  const groups = new Map<string, ScenarioResults>();
  for (const result of report.results) {
    const group = groups.get(result.scenario) ?? { scenario: result.scenario, description: result.description, results: [] };
    group.results.push(result);
    groups.set(result.scenario, group);
  }
  for (const group of groups.values()) group.results.sort((a, b) => (a.load.mode === b.load.mode ? 0 : a.load.mode === 'closed' ? -1 : 1));
  return [...groups.values()];
}

/** A ratio in a sentence: "1.85×", or words when there is none. */
const times = (ratio: number | null): string => (ratio === null ? 'an unknown share of' : `${ratio.toFixed(2)}×`);

/** Within 5 % of 1: no difference worth a figure in a sentence. */
const aboutOne = (ratio: number | null) => ratio !== null && ratio > 0.95 && ratio < 1.05;

/**
 * One sentence reading a result: what the monolith did relative to the microservices.
 *
 * @example
 * readingOf(closedLoopResult) // 'The monolith answered 1.85× the requests per second, at 0.45× the p99 latency and 0.52× the CPU per request.'
 */
export function readingOf(result: TopologyResult): string {
  const { ratio } = result;
  const cpu = ratio.cpu_ms_per_request;
  const p99 = ratio.p99_ms;
  const latency = aboutOne(p99) ? 'about the same p99 latency' : `${times(p99)} the p99 latency`;
  const spend = aboutOne(cpu) ? 'about the same CPU per request' : `${times(cpu)} the CPU per request`;
  const errors = TOPOLOGY_ORDER.filter((t) => result[t].errors > 0)
    .map((t) => ` ${TOPOLOGY_LABELS[t]}: ${result[t].errors} answers were errors (non-2xx or none).`)
    .join('');
  if (result.load.mode === 'closed') {
    const rps = ratio.requests_per_s;
    const throughput = aboutOne(rps) ? 'about as many requests per second' : `${times(rps)} the requests per second`;
    return `The monolith answered ${throughput}, at ${latency} and ${spend}.${errors}`;
  }
  const rate = result.load.rate_per_s ?? 0;
  const behind = TOPOLOGY_ORDER.filter((t) => result[t].unsent > 0 || result[t].requests_per_s < 0.95 * rate);
  if (behind.length === 0) return `The same requests for both: the monolith answered them at ${latency}, spending ${spend}.${errors}`;
  const fell = behind
    .map((t) => `${t === 'monolith' ? 'the monolith' : 'the microservices'} answered ${result[t].requests_per_s.toFixed(0)} of the ${rate} req/s offered (${result[t].unsent} requests not sent)`)
    .join(' and ');
  return `Not the same work: ${fell}, so ${behind.length === 2 ? 'neither' : 'only one'} kept up; compare their CPU per request rather than their latency.${errors}`;
}

/** A load as a heading: "Closed loop, 10 connections". */
export const loadHeading = (load: TopologyLoad): string => {
  const text = loadText(load);
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
};

/** One row of a scenario's table: a topology under a load, or the ratio between the two. */
export interface FigureRow {
  key: string;
  /** The topology, or `ratio` for the monolith / microservices row. */
  kind: TopologyKey | 'ratio';
  label: string;
  requestsPerS: string;
  p50: string;
  p99: string;
  errors: string;
  /** Open loop: requests not sent because the system had fallen behind; empty for the closed loop. */
  unsent: string;
  cpuMsPerRequest: string;
  cpuPercent: string;
  rssMiB: string;
}

const fixed = (value: number, digits: number) => value.toFixed(digits);

function figureRow(result: TopologyResult, kind: TopologyKey, figures: TopologyFigures): FigureRow {
  return {
    key: `${result.load.mode}-${kind}`,
    kind,
    label: TOPOLOGY_LABELS[kind],
    requestsPerS: fixed(figures.requests_per_s, 0),
    p50: fixed(figures.p50_ms, 1),
    p99: fixed(figures.p99_ms, 1),
    errors: String(figures.errors),
    unsent: result.load.mode === 'open' ? String(figures.unsent) : '',
    cpuMsPerRequest: fixed(figures.cpu_ms_per_request, 2),
    cpuPercent: `${fixed(figures.cpu_percent, 0)}%`,
    rssMiB: fixed(figures.rss_mib, 0),
  };
}

/** The rows of one scenario's table: per load, each topology and then the ratio row. */
export function figureRows(results: readonly TopologyResult[]): FigureRow[] {
  return results.flatMap((result) => [
    figureRow(result, 'microservices', result.microservices),
    figureRow(result, 'monolith', result.monolith),
    {
      key: `${result.load.mode}-ratio`,
      kind: 'ratio' as const,
      label: 'Monolith / microservices',
      requestsPerS: ratioText(result.ratio.requests_per_s),
      p50: ratioText(result.ratio.p50_ms),
      p99: ratioText(result.ratio.p99_ms),
      errors: '',
      unsent: '',
      cpuMsPerRequest: ratioText(result.ratio.cpu_ms_per_request),
      cpuPercent: ratioText(result.ratio.cpu_percent),
      rssMiB: ratioText(result.ratio.rss_mib),
    },
  ]);
}

/** One group of bars: a scenario, a value per topology. */
export interface BarGroup {
  label: string;
  values: Record<TopologyKey, number>;
}

/** One chart of grouped bars. */
export interface BarChartData {
  id: string;
  title: string;
  unit: string;
  digits: number;
  groups: BarGroup[];
}

/** The charts the page draws: throughput and p99 in the closed loop, and p99 at the open-loop rate when it ran. */
export function chartsOf(report: TopologyComparison): BarChartData[] {
  const closed = report.results.filter((r) => r.load.mode === 'closed');
  const open = report.results.filter((r) => r.load.mode === 'open');
  const groups = (results: readonly TopologyResult[], pick: (f: TopologyFigures) => number): BarGroup[] =>
    results.map((r) => ({ label: r.scenario, values: { microservices: pick(r.microservices), monolith: pick(r.monolith) } }));
  const charts: BarChartData[] = [
    { id: 'throughput', title: `Requests per second, closed loop (${report.settings.connections} connections): higher is better`, unit: 'req/s', digits: 0, groups: groups(closed, (f) => f.requests_per_s) },
    { id: 'p99-closed', title: `p99 latency, closed loop: lower is better`, unit: 'ms', digits: 1, groups: groups(closed, (f) => f.p99_ms) },
  ];
  if (open.length > 0) {
    charts.push({ id: 'p99-open', title: `p99 latency at ${report.settings.rate_per_s ?? 0} req/s offered (open loop): lower is better`, unit: 'ms', digits: 1, groups: groups(open, (f) => f.p99_ms) });
  }
  return charts.filter((chart) => chart.groups.length > 0);
}

/** How long the run took, in words: "7 min 12 s". */
export function runDuration(report: Pick<TopologyComparison, 'started_at' | 'finished_at'>): string {
  const seconds = Math.max(0, Math.round((Date.parse(report.finished_at) - Date.parse(report.started_at)) / 1000));
  if (!Number.isFinite(seconds)) return '—';
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
