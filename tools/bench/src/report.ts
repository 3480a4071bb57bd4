import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CallFailures } from '@microshop/contracts';
import { describeFailures } from './call-failures.js';

/** The figures of one variant over all its rounds (medians) and the raw rounds. */
export interface VariantSummary {
  variant: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** System CPU seconds per 1000 requests, all processes together. */
  cpuMsPerRequest: number;
  /** The same, per service (its instances summed): where the CPU goes. Absent in reports written before it existed. */
  cpuMsPerRequestByService?: Record<string, number>;
  /** Resident memory of all processes at the end, in MiB. */
  rssMiB: number;
  /** Requests the gateway was holding while the load ran (its in-flight gauge, sampled every 250 ms): median of the rounds' means. */
  gatewayInFlightMean: number;
  /** The most requests the gateway held at one sample, over all rounds. */
  gatewayInFlightMax: number;
  rounds: { requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number }[];
  /** What the calls between the processes met, all rounds summed (timeouts, refusals, breakers opened). Absent for a bare system, and in reports written before it was counted. */
  calls?: CallFailures;
}

/** A finished benchmark: what ran, where, and the figures. */
export interface BenchReport {
  scenario: string;
  description: string;
  comparison: string | null;
  startedAt: string;
  machine: { cpus: number; node: string; pinned: boolean };
  settings: { connections: number; durationSeconds: number; warmupSeconds: number; rounds: number };
  variants: VariantSummary[];
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The report as an aligned text table. */
export function formatTable(report: BenchReport): string {
  const header = ['variant', 'req/s', 'vs first', 'p50 ms', 'p99 ms', 'errors', 'CPU ms/req', 'RSS MiB', 'held (mean/max)'];
  const baseline = report.variants[0]?.requestsPerSecond ?? 0;
  const rows = report.variants.map((v) => [
    v.variant,
    v.requestsPerSecond.toFixed(0),
    baseline > 0 ? `${(v.requestsPerSecond / baseline).toFixed(2)}×` : '-',
    v.p50Ms.toFixed(1),
    v.p99Ms.toFixed(1),
    String(v.errors),
    v.cpuMsPerRequest.toFixed(2),
    v.rssMiB.toFixed(0),
    `${v.gatewayInFlightMean.toFixed(1)}/${v.gatewayInFlightMax}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line), ...cpuBreakdown(report), ...callsMet(report)].join('\n');
}

/** What the calls between the processes met, one line per variant that met anything. */
function callsMet(report: BenchReport): string[] {
  const lines = report.variants.flatMap((v) => {
    const met = describeFailures(v.calls);
    return met ? [`${v.variant}: ${met}`] : [];
  });
  return lines.length ? ['', 'Between the processes, all rounds:', ...lines] : [];
}

/** CPU ms per request of each service, one row per variant: the lines after the main table. */
function cpuBreakdown(report: BenchReport): string[] {
  const services = [...new Set(report.variants.flatMap((v) => Object.keys(v.cpuMsPerRequestByService ?? {})))];
  if (services.length === 0) return [];
  const header = ['CPU ms/req by service', ...services];
  const rows = report.variants.map((v) => [v.variant, ...services.map((s) => (v.cpuMsPerRequestByService?.[s] ?? 0).toFixed(2))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return ['', line(header), ...rows.map(line)];
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A bar chart of throughput per variant, as a standalone SVG. */
export function renderSvg(report: BenchReport): string {
  const width = 640;
  const barHeight = 36;
  const left = 150;
  const top = 56;
  const max = Math.max(...report.variants.map((v) => v.requestsPerSecond), 1);
  const bars = report.variants
    .map((v, i) => {
      const y = top + i * (barHeight + 16);
      const w = ((width - left - 90) * v.requestsPerSecond) / max;
      return `<text x="${left - 10}" y="${y + 23}" text-anchor="end">${escape(v.variant)}</text>
  <rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${i === 0 ? '#3b82f6' : '#94a3b8'}"/>
  <text x="${(left + w + 8).toFixed(1)}" y="${y + 23}">${v.requestsPerSecond.toFixed(0)} req/s</text>`;
    })
    .join('\n  ');
  const height = top + report.variants.length * (barHeight + 16) + 30;
  const subtitle = `${report.settings.connections} connections, ${report.settings.durationSeconds} s × ${report.settings.rounds} rounds, median; p99 ${report.variants.map((v) => `${v.variant} ${v.p99Ms.toFixed(1)} ms`).join(', ')}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="14">
  <rect width="100%" height="100%" fill="#fff"/>
  <text x="16" y="24" font-size="16" font-weight="600">${escape(report.scenario)}${report.comparison ? `: ${escape(report.comparison)}` : ''}</text>
  <text x="16" y="42" fill="#555" font-size="12">${escape(subtitle)}</text>
  ${bars}
</svg>
`;
}

/** Writes `<name>.json` and `<name>.svg` into the directory and returns their paths. */
export function saveReport(report: BenchReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const name = report.comparison ? `${report.scenario}-${report.comparison}` : report.scenario;
  const json = path.join(dir, `${name}.json`);
  const svg = path.join(dir, `${name}.svg`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(svg, renderSvg(report));
  return [json, svg];
}
