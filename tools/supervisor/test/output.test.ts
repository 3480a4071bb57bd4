import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { createProcessLog, createReporter, createTerminal, type OutputOptions, type Sink, type StreamName } from '../src/output.js';

const captured = () => {
  const lines: { stream: StreamName; line: string }[] = [];
  const sink: Sink = { write: (stream, line) => lines.push({ stream, line }) };
  return { lines, sink };
};
const time = new Date(2025, 0, 1, 9, 5, 7).getTime();

/** A stream whose reader has gone: every write fails with EPIPE. */
const brokenPipe = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });

describe('Output', () => {
  test('When a process writes lines in pretty format, then each is prefixed with its padded name, stdout and stderr kept apart', () => {
    const { lines, sink } = captured();
    const log = createProcessLog('gateway', 'blue', { format: 'pretty', colour: false, nameWidth: 15, sink });
    log.line('stdout', JSON.stringify({ level: 30, time, msg: 'gateway ready' }));
    log.line('stderr', 'gateway cannot start: port 5000 is already in use');
    expect(lines).toEqual([
      { stream: 'stdout', line: 'gateway         | 09:05:07 INFO  gateway ready' },
      { stream: 'stderr', line: 'gateway         | gateway cannot start: port 5000 is already in use' },
    ]);
    expect(log.recent()).toEqual(lines.map((l) => l.line));
  });

  test('When the format is json, then every line passes through untouched, health checks included', () => {
    const { lines, sink } = captured();
    const log = createProcessLog('user-service', 'cyan', { format: 'json', colour: false, nameWidth: 15, sink });
    const raw = [
      JSON.stringify({ level: 30, request_id: 'r1', req: { method: 'GET', url: '/health' }, msg: 'incoming request' }),
      JSON.stringify({ level: 30, request_id: 'r1', res: { statusCode: 200 }, responseTime: 1, msg: 'request completed' }),
      'plain text',
    ];
    raw.forEach((line) => log.line('stdout', line));
    expect(lines.map((l) => l.line)).toEqual(raw);
  });

  test('When a process writes many lines in one read, then they reach the terminal in one write, and the last 20 are kept', () => {
    const writes: string[] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writes.push(chunk.toString());
        callback();
      },
    });
    const sink = createTerminal({ stdout, stderr: new Writable({ write: (_c, _e, cb) => cb() }), onClosed: () => undefined });
    const log = createProcessLog('order-service', 'green', { format: 'json', colour: false, nameWidth: 15, sink });
    const read = Array.from({ length: 25 }, (_, i) => JSON.stringify({ level: 30, msg: `line ${i}` }));
    log.lines('stdout', read);
    log.lines('stdout', []);
    expect(writes).toEqual([`${read.join('\n')}\n`]);
    expect(log.recent()).toEqual(read.slice(-20));
  });

  test("When the supervisor reports, then pretty lines carry its name and json lines are records with its pid and fields", () => {
    const pretty = captured();
    const options: OutputOptions = { format: 'pretty', colour: false, nameWidth: 12, sink: pretty.sink };
    createReporter(options, 77, () => time).warn('order-service exited', { code: 1 });
    expect(pretty.lines).toEqual([{ stream: 'stderr', line: 'supervisor   | 09:05:07 WARN  order-service exited' }]);

    const json = captured();
    createReporter({ ...options, format: 'json', sink: json.sink }, 77, () => time).info('started', { processes: 5 });
    expect(json.lines.map((l) => JSON.parse(l.line) as unknown)).toEqual([{ level: 30, time, service: 'supervisor', pid: 77, processes: 5, msg: 'started' }]);
  });

  test('When the reader of the output goes away (EPIPE), then writing never throws and the closing is reported once', async () => {
    const closedStreams: string[] = [];
    const stdout = brokenPipe();
    const terminal = createTerminal({ stdout, stderr: new Writable({ write: (_c, _e, cb) => cb() }), onClosed: (stream) => closedStreams.push(stream) });
    terminal.write('stdout', 'first');
    await new Promise((resolve) => setImmediate(resolve));
    expect(() => {
      terminal.write('stdout', 'second');
      terminal.write('stderr', 'still fine');
    }).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closedStreams).toEqual(['stdout']);
  });
});
