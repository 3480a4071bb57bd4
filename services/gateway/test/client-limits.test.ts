import { checkingIntervalOf } from '@microshop/chassis';
import { connectRaw } from '@microshop/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { GATEWAY_TIMEOUTS } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startGateway, type GatewayHarness } from './gateway-harness.js';

/** The status and problem body of a raw answer. */
function answerOf(text: string): { status: number; head: string; problem: Record<string, unknown> } {
  const head = text.slice(0, text.indexOf('\r\n\r\n'));
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status: Number(head.split(' ')[1]), head, problem: JSON.parse(body) as Record<string, unknown> };
}

const HEADERS_MS = 1500;
const KEEP_ALIVE_MS = 1000;
/** The harness's body limit. */
const BODY_LIMIT = 4096;

describe('Gateway: slow, idle and oversized clients', () => {
  let gw: GatewayHarness;

  beforeAll(async () => {
    gw = await startGateway({ timeouts: { headersMs: HEADERS_MS, requestMs: 3000, keepAliveMs: KEEP_ALIVE_MS }, bodyLimit: BODY_LIMIT });
    gw.fakes['user-service'].on('POST', '/api/users', () => ({ status: 201, body: { id: 1 } }));
  });
  afterAll(async () => {
    await gw.close();
  });
  beforeEach(() => gw.resetCalls());

  test('The defaults: headers within 10 s, the request within 30 s, an idle client connection closed after 5 s', () => {
    expect(GATEWAY_TIMEOUTS).toEqual({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5000 });
    const config = loadConfig({});
    expect([config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS, config.KEEP_ALIVE_TIMEOUT_MS]).toEqual([10_000, 30_000, 5000]);
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '40000' })).toThrow(/HEADERS_TIMEOUT_MS/);
  });

  test('A client sending its request line, then one header byte every 500 ms, is answered 408 and closed once the headers timeout passes', async () => {
    const slow = await connectRaw(gw.url);
    slow.write('GET /api/users/1 HTTP/1.1\r\nHost: gateway\r\nX-Slow: ');
    const trickle = setInterval(() => slow.write('a'), 500);
    const { atMs, text } = await slow.closed;
    clearInterval(trickle);
    console.log(`slowloris: closed after ${Math.round(atMs)} ms (headers timeout ${HEADERS_MS} ms, checked every ${checkingIntervalOf({ headersMs: HEADERS_MS })} ms)`);
    expect(atMs).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(atMs).toBeLessThan(HEADERS_MS + checkingIntervalOf({ headersMs: HEADERS_MS }) + 500);
    const answer = answerOf(text);
    expect(answer.status).toBe(408);
    expect(answer.head).toContain('Content-Type: application/problem+json');
    expect(answer.problem).toMatchObject({ status: 408, type: '/problems/request-timeout' });
    expect(gw.allCalls()).toEqual([]);
  });

  test('An idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const idle = await connectRaw(gw.url);
    idle.write('GET /api/traffic HTTP/1.1\r\nHost: gateway\r\n\r\n');
    await idle.waitFor('"state"');
    const answeredAt = idle.elapsed();
    const { atMs } = await idle.closed;
    const idleMs = atMs - answeredAt;
    console.log(`keep-alive: idle connection closed ${Math.round(idleMs)} ms after the answer (keep-alive timeout ${KEEP_ALIVE_MS} ms)`);
    // Node closes a second after the timeout it advertises, so that a client honouring it never
    // sends on a connection being closed.
    expect(idleMs).toBeGreaterThanOrEqual(KEEP_ALIVE_MS - 50);
    expect(idleMs).toBeLessThan(KEEP_ALIVE_MS + 1000 + 500);
  });

  test('A body over the limit, announced by Content-Length: 413 problem naming the body, nothing forwarded', async () => {
    const body = JSON.stringify({ name: 'A'.repeat(BODY_LIMIT), email: 'a@example.com' });
    const big = await connectRaw(gw.url);
    big.write(`POST /api/users HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    const answer = answerOf((await big.closed).text);
    expect(answer.status).toBe(413);
    expect(answer.head).toMatch(/content-type: application\/problem\+json/i);
    expect(answer.problem).toMatchObject({ status: 413, type: '/problems/payload-too-large', field: 'body' });
    expect(gw.allCalls()).toEqual([]);
  });

  test('A body over the limit sent in chunks without a length: 413 problem, nothing forwarded', async () => {
    const big = await connectRaw(gw.url);
    big.write('POST /api/users HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n');
    const chunk = `{"name":"${'A'.repeat(1000)}`;
    big.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    // More than the limit in 1 KiB chunks; the gateway answers as soon as it is over.
    for (let sent = chunk.length; sent <= BODY_LIMIT + 1024 && !big.received(); sent += 1024) big.write(`400\r\n${'A'.repeat(1024)}\r\n`);
    big.write('0\r\n\r\n');
    const answer = answerOf((await big.closed).text);
    expect(answer.status).toBe(413);
    expect(answer.problem).toMatchObject({ status: 413, type: '/problems/payload-too-large', field: 'body' });
    expect(gw.allCalls()).toEqual([]);
  });

  test('A body within the limit is forwarded (the same request, smaller)', async () => {
    const response = await fetch(`${gw.url}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ann', email: 'ann@example.com' }) });
    expect(response.status).toBe(201);
    expect(gw.allCalls()).toEqual(['POST /api/users']);
  });

  test('Headers over 16 KiB: 431 problem naming the headers, nothing forwarded', async () => {
    const big = await connectRaw(gw.url);
    big.write(`GET /api/users/1 HTTP/1.1\r\nHost: gateway\r\nCookie: ${'a'.repeat(17_000)}\r\n\r\n`);
    const answer = answerOf((await big.closed).text);
    expect(answer.status).toBe(431);
    expect(answer.problem).toMatchObject({ status: 431, type: '/problems/headers-too-large', field: 'headers' });
    expect(gw.allCalls()).toEqual([]);
  });
});
