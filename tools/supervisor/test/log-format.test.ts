import { describe, expect, test } from 'vitest';
import { createPrettyFormatter, formatRecord, formatTime, parseRecord } from '../src/log-format.js';
import { stripColour } from '../src/style.js';

const time = new Date(2025, 0, 1, 9, 5, 7).getTime();
const line = (record: Record<string, unknown>) => JSON.stringify({ level: 30, time, service: 'order-service', pid: 4242, ...record });

describe('Pretty log lines', () => {
  test('When a service logs a JSON line, then it shows as local time, level and message, with its other fields', () => {
    const format = createPrettyFormatter({ colour: false });
    expect(format(line({ msg: 'order-service ready', database: '/db/orders.db', attempt: 2 }))).toEqual([
      '09:05:07 INFO  order-service ready database=/db/orders.db attempt=2',
    ]);
  });

  test('When a request completes, then one line shows method, url, status and duration, and the start line is not shown', () => {
    const format = createPrettyFormatter({ colour: false });
    expect(format(line({ request_id: 'req-7', req: { method: 'POST', url: '/api/orders', remotePort: 5555 }, msg: 'incoming request' }))).toEqual([]);
    expect(format(line({ request_id: 'req-7', res: { statusCode: 201 }, responseTime: 12.345, msg: 'request completed' }))).toEqual([
      '09:05:07 INFO  POST /api/orders 201 12ms',
    ]);
    expect(format(line({ request_id: 'req-8', res: { statusCode: 404 }, responseTime: 0.42, msg: 'request completed' }))).toEqual(['09:05:07 INFO  404 0.4ms']);
  });

  test('When a request is logged in one line that names it, as the chassis logs it, then it shows the same way; a successful health check is hidden', () => {
    const format = createPrettyFormatter({ colour: false });
    const req = { method: 'POST', url: '/api/orders', host: '127.0.0.1:5003', remoteAddress: '127.0.0.1', remotePort: 5555 };
    expect(format(line({ request_id: 'req-7', req, res: { statusCode: 201 }, responseTime: 12.345, msg: 'request completed', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' }))).toEqual([
      '09:05:07 INFO  POST /api/orders 201 12ms trace=4bf92f35',
    ]);
    expect(format(line({ request_id: 'req-8', req: { method: 'GET', url: '/health' }, res: { statusCode: 200 }, responseTime: 1, msg: 'request completed' }))).toEqual([]);
  });

  test('When a request line carries its trace, then it shows the first 8 characters of the trace id; span and instance stay out of the way', () => {
    const format = createPrettyFormatter({ colour: false });
    const trace = { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7', instance: 'host:4242' };
    format(line({ request_id: 'req-7', req: { method: 'POST', url: '/api/orders' }, msg: 'incoming request', ...trace }));
    expect(format(line({ request_id: 'req-7', res: { statusCode: 201 }, responseTime: 12.345, msg: 'request completed', ...trace }))).toEqual([
      '09:05:07 INFO  POST /api/orders 201 12ms trace=4bf92f35',
    ]);
    expect(format(line({ msg: 'order placed', order_id: 7, ...trace }))).toEqual(['09:05:07 INFO  order placed order_id=7']);
    expect(format(line({ level: 40, request_id: 'req-7', msg: 'user-service answered 503', ...trace }))).toEqual([
      '09:05:07 WARN  user-service answered 503 request_id=req-7 trace=4bf92f35',
    ]);
  });

  test('When a health check succeeds, then it is hidden; when it fails, then it is shown', () => {
    const format = createPrettyFormatter({ colour: false });
    format(line({ request_id: 'a', req: { method: 'GET', url: '/health' }, msg: 'incoming request' }));
    expect(format(line({ request_id: 'a', res: { statusCode: 200 }, responseTime: 1, msg: 'request completed' }))).toEqual([]);
    format(line({ request_id: 'b', req: { method: 'GET', url: '/health' }, msg: 'incoming request' }));
    expect(format(line({ request_id: 'b', res: { statusCode: 503 }, responseTime: 1, msg: 'request completed' }))).toEqual(['09:05:07 INFO  GET /health 503 1.0ms']);
  });

  test('When a service logs an error, then its message and stack are shown below, with the request id', () => {
    const format = createPrettyFormatter({ colour: false });
    const err = { type: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5002', stack: 'Error: connect ECONNREFUSED 127.0.0.1:5002\n    at one (a.js:1:1)\n    at two (b.js:2:2)' };
    expect(format(line({ level: 50, request_id: 'req-9', err, msg: 'unexpected error' }))).toEqual([
      '09:05:07 ERROR unexpected error — connect ECONNREFUSED 127.0.0.1:5002 request_id=req-9',
      '    at one (a.js:1:1)',
      '    at two (b.js:2:2)',
    ]);
  });

  test('When a line is not a JSON log record, then it passes through exactly as written', () => {
    const format = createPrettyFormatter({ colour: false });
    for (const text of ['order-service cannot start: Invalid configuration: PORT must be integer', '{"half": ', '[1,2]', '{"no":"level or msg"}', '']) {
      expect(format(text)).toEqual([text]);
    }
  });

  test('When colour is on, then the level is coloured and the text is the same', () => {
    const [coloured] = formatRecord({ level: 40, time, msg: 'slow neighbour' }, { colour: true });
    expect(coloured).toContain('\u001b[33mWARN');
    expect(stripColour(coloured ?? '')).toBe('09:05:07 WARN  slow neighbour');
  });

  test('When levels are numbers or names, then each gets its label', () => {
    const label = (level: unknown) => formatRecord({ level, time, msg: 'x' }, { colour: false })[0]?.split(' ')[1];
    expect([10, 20, 30, 40, 50, 60, 'warn'].map(label)).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'WARN']);
  });

  test('When a time is formatted, then it is local HH:MM:SS', () => {
    expect(formatTime(new Date(2025, 5, 30, 23, 59, 1).getTime())).toBe('23:59:01');
  });

  test('When a line is parsed, then only JSON objects with a level or message count as records', () => {
    expect(parseRecord('  {"level":30,"msg":"x"}  ')).toEqual({ level: 30, msg: 'x' });
    expect(parseRecord('{"other":1}')).toBeNull();
    expect(parseRecord('plain')).toBeNull();
  });
});
