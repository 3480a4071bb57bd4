import type { LogFormat } from './args.js';
import { recentLines } from './lines.js';
import { createPrettyFormatter, formatRecord, passThrough, type LineFormatter, type LogRecord } from './log-format.js';
import { paint, type Colour } from './style.js';

/** Which of the supervisor's own streams a line goes to. */
export type StreamName = 'stdout' | 'stderr';

/** Where finished lines go. */
export interface Sink {
  /** Writes one line (a line break is added). */
  write(stream: StreamName, line: string): void;
  /** Writes several lines at once, each with its line break: one write to the stream, not one per line. Without it, each line is a `write`. */
  writeAll?(stream: StreamName, lines: readonly string[]): void;
}

/** The supervisor's stdout and stderr, made safe to write to after a reader went away. */
export interface TerminalOptions {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Called once when either stream fails (EPIPE: whoever read the output is gone). */
  onClosed: (stream: StreamName, error: Error) => void;
}

/**
 * A {@link Sink} over real streams. A write error such as EPIPE (the terminal or the pipe reading
 * the output closed) never crashes the supervisor: that stream is dropped and `onClosed` runs once.
 */
export function createTerminal({ stdout, stderr, onClosed }: TerminalOptions): Sink {
  const closed = new Set<StreamName>();
  const streams: Record<StreamName, NodeJS.WritableStream> = { stdout, stderr };
  for (const name of ['stdout', 'stderr'] as const) {
    streams[name].on('error', (error: Error) => {
      if (closed.has(name)) return;
      closed.add(name);
      onClosed(name, error);
    });
  }
  const send = (stream: StreamName, text: string) => {
    if (closed.has(stream)) return;
    try {
      streams[stream].write(text);
    } catch (error) {
      closed.add(stream);
      onClosed(stream, error instanceof Error ? error : new Error(String(error)));
    }
  };
  return {
    write: (stream, line) => send(stream, `${line}\n`),
    writeAll(stream, lines) {
      if (lines.length > 0) send(stream, `${lines.join('\n')}\n`);
    },
  };
}

/** How every line is presented. */
export interface OutputOptions {
  format: LogFormat;
  colour: boolean;
  /** Width the process names are padded to, so the lines line up. */
  nameWidth: number;
  sink: Sink;
}

/**
 * The prefix in front of each line of a process: its name, padded and coloured.
 *
 * @example
 * prefixFor('gateway', 15, 'blue', false) // 'gateway         | '
 */
export function prefixFor(name: string, width: number, colour: Colour, enabled: boolean): string {
  return `${paint(name.padEnd(width), colour, enabled)} ${paint('|', 'grey', enabled)} `;
}

/** How many of a process's last lines are kept to explain its failure. */
const KEPT_LINES = 20;

/** The output of one child process, as the supervisor shows it. */
export interface ProcessLog {
  /** Shows one line the process wrote. */
  line(stream: StreamName, text: string): void;
  /**
   * Shows the lines of one read of the process's output, in one write: a busy process's lines
   * cost the supervisor a system call per read, not one per line.
   */
  lines(stream: StreamName, texts: readonly string[]): void;
  /** The last lines shown, to explain a failure. */
  recent(): string[];
}

/**
 * Shows a child's lines: in `pretty` format each line is formatted and prefixed with the process
 * name; in `json` format each line passes through exactly as written.
 */
export function createProcessLog(name: string, colour: Colour, { format, colour: useColour, nameWidth, sink }: OutputOptions): ProcessLog {
  const formatter: LineFormatter = format === 'json' ? passThrough : createPrettyFormatter({ colour: useColour });
  const prefix = format === 'json' ? '' : prefixFor(name, nameWidth, colour, useColour);
  const kept = recentLines(KEPT_LINES);
  const lines = (stream: StreamName, texts: readonly string[]) => {
    const shown: string[] = [];
    for (const text of texts) {
      for (const formatted of formatter(text)) shown.push(prefix + formatted);
    }
    // Only the last few can be kept: the rest of a long read would be added only to be shifted out.
    for (const line of shown.slice(-KEPT_LINES)) kept.add(line);
    if (sink.writeAll) sink.writeAll(stream, shown);
    else for (const line of shown) sink.write(stream, line);
  };
  return {
    line: (stream, text) => lines(stream, [text]),
    lines,
    recent: () => kept.lines(),
  };
}

/** The supervisor's own voice: in the same format as the processes' lines, under the name `supervisor`. */
export interface Reporter {
  info(msg: string, fields?: LogRecord): void;
  warn(msg: string, fields?: LogRecord): void;
  error(msg: string, fields?: LogRecord): void;
  /** Lines shown as they are in `pretty` format (the start-up summary); one record in `json` format. */
  block(lines: readonly string[], record: LogRecord): void;
}

/** Name under which the supervisor's own lines appear. */
export const SUPERVISOR_NAME = 'supervisor';

/** Creates the {@link Reporter}; `pid` is the supervisor's own, shown in `json` records. */
export function createReporter({ format, colour, nameWidth, sink }: OutputOptions, pid: number, now: () => number = Date.now): Reporter {
  const prefix = prefixFor(SUPERVISOR_NAME, nameWidth, 'bold', colour);
  const emit = (stream: StreamName, level: number, msg: string, fields: LogRecord = {}) => {
    const record: LogRecord = { level, time: now(), service: SUPERVISOR_NAME, pid, ...fields, msg };
    if (format === 'json') {
      sink.write(stream, JSON.stringify(record));
      return;
    }
    // Pretty lines carry the message only: the fields repeat it for machines.
    for (const line of formatRecord({ level, time: record.time, msg }, { colour })) sink.write(stream, prefix + line);
  };
  return {
    info: (msg, fields) => emit('stdout', 30, msg, fields),
    warn: (msg, fields) => emit('stderr', 40, msg, fields),
    error: (msg, fields) => emit('stderr', 50, msg, fields),
    block(lines, record) {
      if (format === 'json') {
        sink.write('stdout', JSON.stringify({ level: 30, time: now(), service: SUPERVISOR_NAME, pid, ...record }));
        return;
      }
      for (const line of lines) sink.write('stdout', line);
    },
  };
}
