import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CallFailures, TopologyComparison, TopologyFigures, TopologyLoad, TopologyResult } from '@microshop/contracts';
import type { LoadResult } from './load.js';
import { median } from './report.js';

/** One measurement of one topology: what the load generator saw and what the processes spent. */
export interface TopologyRun extends LoadResult {
  /** CPU seconds of each process (by instance id) from the start of the load until the system had settled after it. */
  cpuSecondsByProcess: Record<string, number>;
  /** CPU seconds of all the processes while the load ran (the CPU share's numerator). */
  cpuSecondsUnderLoad: number;
  /** How long the measurement took, in seconds (the CPU share's denominator). */
  wallSeconds: number;
  /** Resident memory of every process at the end, summed. */
  rssBytes: number;
  /** What the calls between the processes met during the run, for a system that counts them (Microshop's). */
  calls?: CallFailures | undefined;
}

/** The process an instance id belongs to: `order-service-1` → `order-service`, `monolith-1` → `monolith`. */
const processOf = (instanceId: string) => instanceId.replace(/-\d+$/, '');

const round2 = (value: number) => Math.round(value * 100) / 100;
const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** The rounds of one topology under one load, as the report gives them: medians, sums and CPU per request. */
export function summariseTopology(runs: readonly TopologyRun[]): TopologyFigures {
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const cpuSeconds = (r: TopologyRun) => Object.values(r.cpuSecondsByProcess).reduce((a, b) => a + b, 0);
  const byProcess: Record<string, number> = {};
  for (const run of runs) for (const [id, seconds] of Object.entries(run.cpuSecondsByProcess)) byProcess[processOf(id)] = (byProcess[processOf(id)] ?? 0) + seconds;
  return {
    requests_per_s: round2(median(runs.map((r) => r.requestsPerSecond))),
    p50_ms: round2(median(runs.map((r) => r.p50Ms))),
    p99_ms: round2(median(runs.map((r) => r.p99Ms))),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    unsent: runs.reduce((sum, r) => sum + r.unsent, 0),
    requests,
    cpu_ms_per_request: requests ? round3((runs.reduce((sum, r) => sum + cpuSeconds(r), 0) * 1000) / requests) : 0,
    cpu_percent: round2(median(runs.map((r) => (r.wallSeconds > 0 ? (100 * r.cpuSecondsUnderLoad) / r.wallSeconds : 0)))),
    rss_mib: round2(median(runs.map((r) => r.rssBytes / 1024 / 1024))),
    cpu_ms_per_request_by_process: Object.fromEntries(Object.entries(byProcess).map(([name, seconds]) => [name, requests ? round3((seconds * 1000) / requests) : 0])),
    processes: [...new Set(runs.flatMap((r) => Object.keys(r.cpuSecondsByProcess)))].sort(),
    rounds: runs.map((r) => ({ requests_per_s: round2(r.requestsPerSecond), p50_ms: round2(r.p50Ms), p99_ms: round2(r.p99Ms), errors: r.errors })),
  };
}

/** Monolith divided by microservices, figure by figure; null where the microservices figure is 0. */
export function topologyRatio(microservices: TopologyFigures, monolith: TopologyFigures): TopologyResult['ratio'] {
  const ratio = (a: number, b: number) => (a > 0 ? round3(b / a) : null);
  return {
    requests_per_s: ratio(microservices.requests_per_s, monolith.requests_per_s),
    p50_ms: ratio(microservices.p50_ms, monolith.p50_ms),
    p99_ms: ratio(microservices.p99_ms, monolith.p99_ms),
    cpu_ms_per_request: ratio(microservices.cpu_ms_per_request, monolith.cpu_ms_per_request),
    cpu_percent: ratio(microservices.cpu_percent, monolith.cpu_percent),
    rss_mib: ratio(microservices.rss_mib, monolith.rss_mib),
  };
}

/** A load as tables and progress lines show it: "closed, 10 conn." or "open, 100 req/s". */
export const loadLabel = (load: TopologyLoad): string => (load.mode === 'closed' ? `closed, ${load.connections} conn.` : `open, ${load.rate_per_s ?? 0} req/s`);

const times = (value: number | null) => (value === null ? '-' : `${value.toFixed(2)}×`);

/**
 * The comparison as an aligned text table: per scenario and load, a row per topology and a row of
 * ratios (monolith / microservices).
 */
export function formatTopologyTable(report: TopologyComparison): string {
  const header = ['scenario', 'load', 'topology', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'not sent', 'CPU ms/req', 'CPU %', 'RSS MiB'];
  const rows: string[][] = [];
  for (const result of report.results) {
    const figures = (name: string, f: TopologyFigures) => [name, f.requests_per_s.toFixed(0), f.p50_ms.toFixed(1), f.p99_ms.toFixed(1), String(f.errors), String(f.unsent), f.cpu_ms_per_request.toFixed(2), f.cpu_percent.toFixed(0), f.rss_mib.toFixed(0)];
    const { ratio } = result;
    rows.push([result.scenario, loadLabel(result.load), ...figures('microservices', result.microservices)]);
    rows.push(['', '', ...figures('monolith', result.monolith)]);
    rows.push(['', '', 'monolith/micro', times(ratio.requests_per_s), times(ratio.p50_ms), times(ratio.p99_ms), '', '', times(ratio.cpu_ms_per_request), times(ratio.cpu_percent), times(ratio.rss_mib)]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** The colour of each topology in the charts (the web page uses the same). */
export const TOPOLOGY_COLOURS = { microservices: '#3b82f6', monolith: '#f59e0b' } as const;

interface Panel {
  title: string;
  unit: string;
  results: readonly TopologyResult[];
  value: (f: TopologyFigures) => number;
  digits: number;
}

/**
 * Grouped bars as a standalone SVG: throughput in the closed loop, then p99 latency in the closed
 * loop and at the open-loop rate; per scenario one bar per topology, microservices above monolith.
 */
export function renderTopologySvg(report: TopologyComparison): string {
  const width = 720;
  const left = 130;
  const barHeight = 16;
  const groupGap = 14;
  const closed = report.results.filter((r) => r.load.mode === 'closed');
  const open = report.results.filter((r) => r.load.mode === 'open');
  const panels: Panel[] = [
    { title: `Throughput, closed loop (${report.settings.connections} connections): req/s, higher is better`, unit: 'req/s', results: closed, value: (f) => f.requests_per_s, digits: 0 },
    { title: `p99 latency, closed loop (${report.settings.connections} connections): ms, lower is better`, unit: 'ms', results: closed, value: (f) => f.p99_ms, digits: 1 },
  ];
  if (open.length > 0) panels.push({ title: `p99 latency at ${report.settings.rate_per_s ?? 0} req/s offered (open loop): ms, lower is better`, unit: 'ms', results: open, value: (f) => f.p99_ms, digits: 1 });

  let y = 78;
  const parts: string[] = [];
  for (const panel of panels) {
    parts.push(`<text x="16" y="${y}" font-size="14" font-weight="600">${escape(panel.title)}</text>`);
    y += 12;
    const max = Math.max(1, ...panel.results.flatMap((r) => [panel.value(r.microservices), panel.value(r.monolith)]));
    for (const result of panel.results) {
      parts.push(`<text x="${left - 10}" y="${y + barHeight + 4}" text-anchor="end">${escape(result.scenario)}</text>`);
      for (const name of ['microservices', 'monolith'] as const) {
        const value = panel.value(result[name]);
        const w = ((width - left - 110) * value) / max;
        parts.push(
          `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${TOPOLOGY_COLOURS[name]}"><title>${name}: ${value.toFixed(panel.digits)} ${panel.unit}</title></rect>`,
          `<text x="${(left + w + 6).toFixed(1)}" y="${y + 12}" font-size="12">${value.toFixed(panel.digits)} ${panel.unit}</text>`,
        );
        y += barHeight + 2;
      }
      y += groupGap;
    }
    y += 18;
  }
  const legend = (['microservices', 'monolith'] as const)
    .map((name, i) => `<rect x="${16 + i * 150}" y="50" width="12" height="12" fill="${TOPOLOGY_COLOURS[name]}"/><text x="${34 + i * 150}" y="60" font-size="12">${name}</text>`)
    .join('');
  const subtitle = `${report.settings.duration_s} s × ${report.settings.rounds} rounds per topology, in alternation, median; ${report.machine.cpus} CPUs${report.machine.pinned ? ', system pinned to one' : ''}; ${report.started_at.slice(0, 10)}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="system-ui, sans-serif" font-size="13">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="16" y="24" font-size="16" font-weight="600">Microservices vs modular monolith: the same flows, the same loads</text>
  <text x="16" y="42" fill="#555" font-size="12">${escape(subtitle)}</text>
  ${legend}
  ${parts.join('\n  ')}
</svg>
`;
}

/** Writes `topologies.json` and `topologies.svg` into the directory and returns their paths. */
export function saveTopologyReport(report: TopologyComparison, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'topologies.json');
  const svg = path.join(dir, 'topologies.svg');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(svg, renderTopologySvg(report));
  return [json, svg];
}
