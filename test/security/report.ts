import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EndpointReport } from './fuzz.js';

/** A whole fuzzing run, as saved (`docs/security/fuzz.json`). */
export interface FuzzReport {
  /** When the run finished, ISO 8601. */
  finished_at: string;
  /** `microservices`, `monolith`, or the URL of a running system. */
  target: string;
  /** Cases asked for per endpoint. */
  runs_per_endpoint: number;
  /** How rows were counted: around each case (the SQLite files) or each endpoint (the API's totals). */
  rows_counted: 'per case' | 'per endpoint';
  endpoints: EndpointReport[];
  totals: { cases: number; status2xx: number; status4xx: number; status5xx: number; badRows: number; failures: number; timeMs: number };
}

const sum = (reports: readonly EndpointReport[], pick: (report: EndpointReport) => number) => reports.reduce((total, report) => total + pick(report), 0);
const count4xx = (report: EndpointReport) => Object.values(report.status4xx).reduce((a, b) => a + b, 0);

/** Gathers the endpoints' reports into one. */
export function summarise(endpoints: EndpointReport[], target: string, runs: number, perCase: boolean): FuzzReport {
  return {
    finished_at: new Date().toISOString(),
    target,
    runs_per_endpoint: runs,
    rows_counted: perCase ? 'per case' : 'per endpoint',
    endpoints,
    totals: {
      cases: sum(endpoints, (r) => r.cases),
      status2xx: sum(endpoints, (r) => r.status2xx),
      status4xx: sum(endpoints, count4xx),
      status5xx: sum(endpoints, (r) => r.status5xx),
      badRows: sum(endpoints, (r) => r.badRows),
      failures: endpoints.filter((r) => r.failure !== undefined).length,
      timeMs: sum(endpoints, (r) => r.timeMs),
    },
  };
}

/** `{ 400: 812, 404: 90 }` → `400×812 404×90`. */
const byStatus = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');

/**
 * The report as a plain-text table: endpoint, cases, 2xx, 4xx by status, 5xx, rows stored from
 * refused input, time; then each failure in full.
 */
export function formatTable(report: FuzzReport): string {
  const header = ['endpoint', 'cases', '2xx', '4xx by status', '5xx', 'bad rows', 'time'];
  const rows = report.endpoints.map((r) => [r.endpoint, String(r.cases), String(r.status2xx), byStatus(r.status4xx), String(r.status5xx), String(r.badRows), `${(r.timeMs / 1000).toFixed(1)} s`]);
  const t = report.totals;
  rows.push(['total', String(t.cases), String(t.status2xx), String(t.status4xx), String(t.status5xx), String(t.badRows), `${(t.timeMs / 1000).toFixed(1)} s`]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 || column === 3 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  const failures = report.endpoints.filter((r) => r.failure !== undefined).map((r) => `\n${r.endpoint} FAILED (seed ${r.seed}):\n  ${r.failure ?? ''}`);
  return [
    `Fuzzing ${report.target}: ${report.runs_per_endpoint} cases per endpoint, rows counted ${report.rows_counted}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(0, -1).map(line),
    line(widths.map((w) => '-'.repeat(w))),
    line(rows[rows.length - 1] ?? []),
    ...failures,
  ].join('\n');
}

/** Writes the report as JSON, creating its directory. */
export function saveReport(report: FuzzReport, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
