import type { LogRecord } from './log-format.js';
import { paint } from './style.js';

/** One row of the start-up summary: one instance. */
export interface SummaryRow {
  /** Its service. */
  name: string;
  /** `order-service-2`: what the table shows, so replicas of one service are told apart. */
  instanceId: string;
  port: number;
  pid: number;
  /** Where its data lives (an absolute file path, or a PostgreSQL location); `null` for none. */
  database: string | null;
}

/** The line that says the system is ready (tests and scripts wait for it). */
export const READY_LINE = 'Microshop is up';

/** The address a person opens in a browser for a port. */
export const publicUrl = (port: number): string => `http://localhost:${port}`;

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('   ').trimEnd());
}

/** What the summary says besides the table. */
export interface SummaryOptions {
  /** The process serving the web UI. */
  gateway?: string;
  /** The service registry, whose URL the summary shows. */
  registry?: string;
  /** How to get the admin credential (a hint, never the credential itself). */
  adminToken?: string;
  /** The `--replicas` counts, shown when any was given. */
  replicas?: Readonly<Partial<Record<string, number>>>;
}

const describeReplicas = (replicas: Readonly<Partial<Record<string, number>>> = {}): string =>
  Object.entries(replicas)
    .map(([name, count]) => `${name}=${count ?? 1}`)
    .join(', ');

/**
 * The summary printed once every process is up: where the web UI and the API docs are (when the
 * gateway runs), the registry's URL, the `--replicas` asked for, a table of every instance with its
 * URL, pid and database (replicas of a service share it), and how to stop.
 *
 * @example
 * summaryLines([{ name: 'gateway', instanceId: 'gateway-1', port: 5000, pid: 41, database: null }], { colour: false })
 * // ['', 'Microshop is up', '', '  Web UI and API   http://localhost:5000', ...]
 */
export function summaryLines(
  rows: readonly SummaryRow[],
  { colour, gateway = 'gateway', registry = 'registry', adminToken, replicas }: SummaryOptions & { colour: boolean },
): string[] {
  const front = rows.find((row) => row.name === gateway);
  const directory = rows.find((row) => row.name === registry);
  const scaled = describeReplicas(replicas);
  const lines = ['', paint(READY_LINE, 'bold', colour), ''];
  if (front) {
    lines.push(`  Web UI and API   ${paint(publicUrl(front.port), 'cyan', colour)}`);
    lines.push(`  API docs         ${paint(`${publicUrl(front.port)}/docs`, 'cyan', colour)}`);
    if (adminToken) lines.push(`  Admin token      ${adminToken}   (chaos and process controls on the architecture view)`);
  }
  if (directory) lines.push(`  Registry         ${paint(publicUrl(directory.port), 'cyan', colour)}`);
  if (scaled) lines.push(`  Replicas         ${scaled}`);
  if (front || directory || scaled) lines.push('');
  const cells = [['INSTANCE', 'URL', 'PID', 'DATABASE'], ...rows.map((row) => [row.instanceId, publicUrl(row.port), String(row.pid), row.database ?? '-'])];
  table(cells).forEach((line, index) => lines.push(`  ${index === 0 ? paint(line, 'bold', colour) : line}`));
  lines.push('', 'Ctrl-C stops everything.', '');
  return lines;
}

/** The same summary as one structured record, for `--log-format json`. */
export function summaryRecord(rows: readonly SummaryRow[], { gateway = 'gateway', registry = 'registry', adminToken, replicas }: SummaryOptions = {}): LogRecord {
  const front = rows.find((row) => row.name === gateway);
  const directory = rows.find((row) => row.name === registry);
  return {
    msg: READY_LINE,
    ...(front ? { web_ui: publicUrl(front.port), api_docs: `${publicUrl(front.port)}/docs` } : {}),
    ...(front && adminToken ? { admin_token: adminToken } : {}),
    ...(directory ? { registry: publicUrl(directory.port) } : {}),
    ...(describeReplicas(replicas) ? { replicas } : {}),
    processes: rows.map((row) => ({ name: row.name, instance_id: row.instanceId, url: publicUrl(row.port), pid: row.pid, database: row.database })),
    stop: 'Ctrl-C stops everything.',
  };
}
