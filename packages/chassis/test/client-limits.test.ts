import { connectRaw, listenOnFreePort } from '@microshop/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { checkingIntervalOf, createServer, DEFAULT_SERVER_TIMEOUTS, httpServerOptions, MAX_HEADER_BYTES, type App } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The body of the problem after the head of a raw answer. */
const problemOf = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;

describe('createServer: slow and idle clients', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function serve(timeouts: Parameters<typeof createServer>[0]['timeouts'], clientErrorHeaders?: Record<string, string>): Promise<string> {
    app = await createServer({ name: 'limits-test', logLevel: false, docs: false, chaos: false, ...(timeouts ? { timeouts } : {}), ...(clientErrorHeaders ? { clientErrorHeaders } : {}) });
    app.get('/ping', async () => ({ ok: true }));
    app.post('/echo', async (request) => request.body);
    return listenOnFreePort(app);
  }

  it('By default: headers within 10 s, the request within 30 s, idle keep-alive 65 s, checked every second', async () => {
    expect(DEFAULT_SERVER_TIMEOUTS).toEqual({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 65_000 });
    await serve(undefined);
    const server = app?.server;
    expect([server?.headersTimeout, server?.requestTimeout, server?.keepAliveTimeout]).toEqual([10_000, 30_000, 65_000]);
    expect(httpServerOptions(DEFAULT_SERVER_TIMEOUTS)).toMatchObject({ connectionsCheckingInterval: 1000, maxHeaderSize: MAX_HEADER_BYTES });
    expect(checkingIntervalOf({ headersMs: 400 })).toBe(100);
  });

  it('A headers timeout longer than the request timeout is refused (Node would refuse it too)', async () => {
    await expect(createServer({ name: 'limits-test', logLevel: false, docs: false, chaos: false, timeouts: { headersMs: 5000, requestMs: 1000 } })).rejects.toThrow(/headers timeout/);
  });

  it('A client trickling its headers (one byte every 200 ms) gets a 408 problem and is closed once the headers timeout passes', async () => {
    const url = await serve({ headersMs: 600, requestMs: 5000 }, { 'x-content-type-options': 'nosniff' });
    const slow = await connectRaw(url);
    slow.write('GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const trickle = setInterval(() => slow.write('a'), 200);
    const { atMs, text } = await slow.closed;
    clearInterval(trickle);
    // Not before the deadline, and within it plus one check (150 ms) and some slack.
    expect(atMs).toBeGreaterThanOrEqual(550);
    expect(atMs).toBeLessThan(600 + checkingIntervalOf({ headersMs: 600 }) + 500);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('Content-Type: application/problem+json');
    expect(text).toContain('x-content-type-options: nosniff');
    expect(problemOf(text)).toMatchObject({ status: 408, type: '/problems/request-timeout' });
  });

  it('A client trickling its body gets a 408 once the request timeout passes, however long the headers took', async () => {
    const url = await serve({ headersMs: 500, requestMs: 1000 });
    const slow = await connectRaw(url);
    slow.write('POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    const trickle = setInterval(() => slow.write(' '), 200);
    const { atMs, text } = await slow.closed;
    clearInterval(trickle);
    expect(atMs).toBeGreaterThanOrEqual(950);
    expect(atMs).toBeLessThan(1000 + checkingIntervalOf({ headersMs: 500 }) + 500);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('An idle keep-alive connection is closed after the keep-alive timeout, and not before', async () => {
    const url = await serve({ keepAliveMs: 500 });
    const idle = await connectRaw(url);
    idle.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
    await idle.waitFor('{"ok":true}');
    const answeredAt = idle.elapsed();
    // Still open a little before the timeout: a second request on it is answered.
    await sleep(300);
    idle.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
    await idle.waitFor('{"ok":true}HTTP/1.1 200');
    const secondAt = idle.elapsed();
    const { atMs } = await idle.closed;
    // Node closes a second after the timeout it advertises (`Keep-Alive: timeout=`), so that a
    // client that honours it never sends on a connection being closed.
    expect(atMs - secondAt).toBeGreaterThanOrEqual(450);
    expect(atMs - secondAt).toBeLessThan(500 + 1000 + 500);
    expect(secondAt - answeredAt).toBeLessThan(500);
  });

  it('Headers over the limit get a 431 problem naming the headers', async () => {
    const url = await serve(undefined);
    const big = await connectRaw(url);
    big.write(`GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\n`);
    const { text } = await big.closed;
    expect(text).toMatch(/^HTTP\/1\.1 431 /);
    expect(problemOf(text)).toMatchObject({ status: 431, type: '/problems/headers-too-large', field: 'headers' });
  });

  it('Bytes that are not HTTP get a 400 problem', async () => {
    const url = await serve(undefined);
    const garbage = await connectRaw(url);
    garbage.write('HELLO THERE\r\n\r\n');
    const { text } = await garbage.closed;
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(problemOf(text)).toMatchObject({ status: 400, type: '/problems/bad-request' });
  });
});
