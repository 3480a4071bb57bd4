import { paint, type Colour } from './style.js';

/** One parsed JSON log line (pino's shape: level, time, msg and any other fields). */
export type LogRecord = Record<string, unknown>;

/** Turns one raw output line into the lines to show: none (hidden), one, or several (a stack). */
export type LineFormatter = (line: string) => string[];

/** How pretty lines are drawn. */
export interface PrettyOptions {
  colour: boolean;
  /** Hide successful `GET /health` request lines: the supervisor and the gateway poll them. */
  hideHealthChecks?: boolean;
}

interface Level {
  label: string;
  colour: Colour;
}

const LEVELS: ReadonlyArray<readonly [number, Level]> = [
  [60, { label: 'FATAL', colour: 'red' }],
  [50, { label: 'ERROR', colour: 'red' }],
  [40, { label: 'WARN', colour: 'yellow' }],
  [30, { label: 'INFO', colour: 'green' }],
  [20, { label: 'DEBUG', colour: 'grey' }],
  [10, { label: 'TRACE', colour: 'grey' }],
];

/** Fields shown in their own place (or deliberately left out) rather than as `key=value`. */
const PLACED_FIELDS = new Set(['level', 'time', 'msg', 'message', 'service', 'instance', 'pid', 'hostname', 'v', 'req', 'res', 'responseTime', 'err', 'request_id', 'reqId', 'trace_id', 'span_id']);

/** Characters of a trace id shown on a line: enough to tell traces apart and to find one in `/api/traces`. */
export const SHORT_TRACE_ID_LENGTH = 8;

const MAX_TRACKED_REQUESTS = 1000;

function levelOf(value: unknown): Level {
  if (typeof value === 'number') return (LEVELS.find(([n]) => value >= n) ?? LEVELS[LEVELS.length - 1]!)[1];
  if (typeof value === 'string') return LEVELS.find(([, l]) => l.label === value.toUpperCase())?.[1] ?? { label: value.toUpperCase(), colour: 'green' };
  return { label: 'INFO', colour: 'green' };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const two = (n: number) => String(n).padStart(2, '0');

/**
 * Local wall-clock time of a log entry as `HH:MM:SS`.
 *
 * @example
 * formatTime(new Date(2025, 0, 1, 9, 5, 7).getTime()) // '09:05:07'
 */
export function formatTime(epochMs: number): string {
  const date = new Date(epochMs);
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `12.3ms` below ten milliseconds, `42ms` above. */
export function formatDuration(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)}ms` : `${Math.round(ms)}ms`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 300 ? `${json.slice(0, 299)}…` : json;
}

function statusColour(status: number): Colour {
  if (status >= 500) return 'red';
  if (status >= 400) return 'yellow';
  if (status >= 300) return 'cyan';
  return 'green';
}

/** A request as its start line described it: method and url. */
export interface RequestStart {
  method: string;
  url: string;
}

/** Reads a log line as a JSON log record; `null` for anything else (plain text, arrays, bad JSON). */
export function parseRecord(line: string): LogRecord | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return isRecord(parsed) && ('msg' in parsed || 'level' in parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * Formats one log record as `HH:MM:SS LEVEL message key=value...`, with request lines as
 * `METHOD url status duration trace=<first 8 hex of the trace id>` and an error's message and stack below. Pure: the request start
 * (method and url, logged separately by the server) is passed in.
 *
 * @example
 * formatRecord({ level: 30, time: t, msg: 'ready', database: '/db/users.db' }, { colour: false })
 * // ['09:05:07 INFO  ready database=/db/users.db']
 */
export function formatRecord(record: LogRecord, { colour }: PrettyOptions, request?: RequestStart): string[] {
  const level = levelOf(record.level);
  const time = typeof record.time === 'number' ? record.time : typeof record.time === 'string' ? Date.parse(record.time) : Date.now();
  const msg = typeof record.msg === 'string' ? record.msg : typeof record.message === 'string' ? record.message : '';
  const parts: string[] = [];

  const res = isRecord(record.res) ? record.res : undefined;
  const req = isRecord(record.req) ? record.req : undefined;
  if (res && typeof res.statusCode === 'number') {
    const method = request?.method ?? (typeof req?.method === 'string' ? req.method : undefined);
    const url = request?.url ?? (typeof req?.url === 'string' ? req.url : undefined);
    if (method !== undefined && url !== undefined) parts.push(`${method} ${url}`);
    parts.push(paint(String(res.statusCode), statusColour(res.statusCode), colour));
    if (typeof record.responseTime === 'number') parts.push(formatDuration(record.responseTime));
    if (msg !== '' && msg !== 'request completed') parts.push(msg);
    if (typeof record.trace_id === 'string') parts.push(paint(`trace=${record.trace_id.slice(0, SHORT_TRACE_ID_LENGTH)}`, 'grey', colour));
  } else if (msg !== '') {
    parts.push(msg);
  }

  const err = isRecord(record.err) ? record.err : undefined;
  const errMessage = typeof err?.message === 'string' ? err.message : undefined;
  if (errMessage !== undefined && !msg.includes(errMessage)) parts.push(`${parts.length > 0 ? '— ' : ''}${errMessage}`);

  const fields = Object.entries(record).filter(([key]) => !PLACED_FIELDS.has(key));
  if (level.label === 'WARN' || level.label === 'ERROR' || level.label === 'FATAL') {
    const requestId = record.request_id ?? record.reqId;
    if (requestId !== undefined) fields.push(['request_id', requestId]);
    if (typeof record.trace_id === 'string' && !res) fields.push(['trace', record.trace_id.slice(0, SHORT_TRACE_ID_LENGTH)]);
  }
  for (const [key, value] of fields) parts.push(paint(`${key}=`, 'grey', colour) + formatValue(value));

  const head = `${paint(formatTime(Number.isNaN(time) ? Date.now() : time), 'grey', colour)} ${paint(level.label.padEnd(5), level.colour, colour)} ${parts.join(' ')}`.trimEnd();
  const stack = typeof err?.stack === 'string' ? err.stack.split('\n').slice(1).filter((l) => l.trim() !== '') : [];
  return [head, ...stack.map((l) => paint(`    ${l.trim()}`, 'grey', colour))];
}

/**
 * A stateful pretty formatter for one process's output. JSON log lines become readable lines;
 * a request's completion line becomes `GET /api/users 200 3.1ms`, from the request it names (the
 * chassis logs one line per request) or from the "incoming request" line Fastify logs by default,
 * which is held back and merged into it; successful health checks are hidden; anything that is not
 * a JSON log line passes through exactly as written.
 *
 * @example
 * const format = createPrettyFormatter({ colour: false })
 * format('{"level":30,"time":1,"msg":"hello"}') // ['00:00:00 INFO  hello'] (in UTC)
 * format('plain text')                          // ['plain text']
 */
export function createPrettyFormatter(options: PrettyOptions): LineFormatter {
  const hideHealthChecks = options.hideHealthChecks ?? true;
  const started = new Map<string, RequestStart>();

  return (line) => {
    const record = parseRecord(line);
    if (record === null) return [line];
    const id = record.request_id ?? record.reqId;
    const key = typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
    const req = isRecord(record.req) ? record.req : undefined;
    const res = isRecord(record.res) ? record.res : undefined;

    if (req && !res && typeof req.method === 'string' && typeof req.url === 'string') {
      if (key !== undefined) {
        started.set(key, { method: req.method, url: req.url });
        if (started.size > MAX_TRACKED_REQUESTS) started.delete(started.keys().next().value ?? key);
      }
      return [];
    }

    let request: RequestStart | undefined;
    if (res && key !== undefined) {
      request = started.get(key);
      started.delete(key);
    }
    if (hideHealthChecks && res && typeof res.statusCode === 'number' && res.statusCode < 400) {
      const url = request?.url ?? (typeof req?.url === 'string' ? req.url : '');
      if (url.split('?')[0] === '/health') return [];
    }
    return formatRecord(record, options, request);
  };
}

/** The `json` format: every line exactly as the process wrote it. */
export const passThrough: LineFormatter = (line) => [line];
