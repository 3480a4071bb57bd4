import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startControlApi, type ControlApi } from '../src/control-api.js';
import { startFaultProxy, type FaultProxy } from '../src/fault-proxy.js';

/** What the upstream answers to any data: 1000 bytes, so slicing and limits show. */
const ANSWER = Buffer.from('0123456789'.repeat(100));

interface Exchange {
  data: Buffer;
  chunks: number;
  error: string | undefined;
  /** Milliseconds from sending until the answer was complete or the connection ended. */
  ms: number;
  /** True when nothing happened before the test gave up. */
  timedOut: boolean;
}

/** Connects to `port`, sends a ping, and collects what comes back until close, `ANSWER.length` bytes, or `waitMs`. */
function exchange(port: number, waitMs = 1500): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    const parts: Buffer[] = [];
    let error: string | undefined;
    const socket = connect({ port, host: '127.0.0.1' });
    const finish = (timedOut: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const data = Buffer.concat(parts);
      resolve({ data, chunks: parts.length, error, ms: performance.now() - started, timedOut });
    };
    const timer = setTimeout(() => finish(true), waitMs);
    socket.on('connect', () => socket.write('ping'));
    socket.on('data', (chunk: Buffer) => {
      parts.push(chunk);
      if (Buffer.concat(parts).length >= ANSWER.length) finish(false);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => finish(false));
  });
}

let upstream: Server | undefined;
const upstreamSockets = new Set<Socket>();
let proxy: FaultProxy | undefined;
let api: ControlApi | undefined;

async function start(random?: () => number): Promise<FaultProxy> {
  upstream = createServer((socket) => {
    upstreamSockets.add(socket);
    socket.on('close', () => upstreamSockets.delete(socket));
    socket.on('data', () => socket.write(ANSWER));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => upstream?.listen(0, '127.0.0.1', resolve));
  const { port } = upstream.address() as AddressInfo;
  proxy = await startFaultProxy({ upstream: `127.0.0.1:${port}`, ...(random ? { random } : {}) });
  return proxy;
}

afterEach(async () => {
  await api?.close();
  await proxy?.close();
  upstreamSockets.forEach((socket) => socket.destroy());
  await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
  api = proxy = upstream = undefined;
});

describe('Fault proxy', () => {
  it('When no toxic is active, then the answer passes whole and at once', async () => {
    const p = await start();
    const result = await exchange(p.port);
    expect(result.data.equals(ANSWER)).toBe(true);
    expect(result.ms).toBeLessThan(150);
  });

  it('When latency 200 ms ±50 is added and the jitter draw is +40 ms, then the answer takes about 240 ms', async () => {
    const draws = [0.9, 0.1];
    const p = await start(() => draws.shift() ?? 0.5);
    p.addToxic({ type: 'latency', latency_ms: 200, jitter_ms: 50 });
    const result = await exchange(p.port);
    console.log(`latency toxic: answer after ${result.ms.toFixed(0)} ms`);
    expect(result.data.equals(ANSWER)).toBe(true);
    expect(result.ms).toBeGreaterThanOrEqual(225);
    expect(result.ms).toBeLessThan(400);
  });

  it('When the proxy is down, then connections are refused, and accepted again once the toxic is removed', async () => {
    const p = await start();
    p.addToxic({ type: 'down' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await exchange(p.port);
    expect(refused.error).toBe('ECONNREFUSED');
    p.removeToxic('down_downstream');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await exchange(p.port)).data.equals(ANSWER)).toBe(true);
  });

  it('When a timeout of 0 is added, then nothing comes back and the connection stays open (a hang)', async () => {
    const p = await start();
    p.addToxic({ type: 'timeout', timeout_ms: 0 });
    const result = await exchange(p.port, 400);
    expect(result.timedOut).toBe(true);
    expect(result.data.length).toBe(0);
  });

  it('When a timeout of 200 ms is added, then no data comes back and the connection closes after about 200 ms', async () => {
    const p = await start();
    p.addToxic({ type: 'timeout', timeout: 200 });
    const result = await exchange(p.port);
    expect(result.timedOut).toBe(false);
    expect(result.data.length).toBe(0);
    expect(result.ms).toBeGreaterThanOrEqual(180);
    expect(result.ms).toBeLessThan(600);
  });

  it('When reset_peer is added, then the client sees ECONNRESET and no answer', async () => {
    const p = await start();
    p.addToxic({ type: 'reset_peer', timeout_ms: 0 });
    const result = await exchange(p.port);
    expect(result.error).toBe('ECONNRESET');
    expect(result.data.length).toBe(0);
  });

  it('When the slicer cuts into 100-byte pieces, then the answer arrives whole in about 10 chunks', async () => {
    const p = await start();
    p.addToxic({ type: 'slicer', average_size: 100, size_variation: 0, delay_us: 5000 });
    const result = await exchange(p.port);
    expect(result.data.equals(ANSWER)).toBe(true);
    expect(result.chunks).toBeGreaterThanOrEqual(5);
  });

  it('When limit_data is 300 bytes, then exactly 300 bytes arrive and the connection closes', async () => {
    const p = await start();
    p.addToxic({ type: 'limit_data', bytes: 300 });
    const result = await exchange(p.port);
    expect(result.timedOut).toBe(false);
    expect(result.data.length).toBe(300);
    expect(result.data.equals(ANSWER.subarray(0, 300))).toBe(true);
  });

  it('When a toxic has toxicity 0, then it never applies', async () => {
    const p = await start(() => 0.5);
    p.addToxic({ type: 'timeout', timeout_ms: 0, toxicity: 0 });
    expect((await exchange(p.port)).data.equals(ANSWER)).toBe(true);
  });

  it('When toxics are changed through the API, then they apply, a bad one is 400 naming the field, and removal restores the answer', async () => {
    const p = await start();
    api = await startControlApi(p);
    const base = `http://127.0.0.1:${api.port}`;
    const bad = await fetch(`${base}/toxics`, { method: 'POST', body: JSON.stringify({ type: 'latency', latency: -1 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('latency');
    const added = await fetch(`${base}/toxics`, { method: 'POST', body: JSON.stringify({ type: 'timeout', name: 'hang', timeout: 0 }) });
    expect(added.status).toBe(201);
    expect((await exchange(p.port, 300)).timedOut).toBe(true);
    expect((await fetch(`${base}/toxics/hang`, { method: 'DELETE' })).status).toBe(204);
    expect((await exchange(p.port)).data.equals(ANSWER)).toBe(true);
  });
});
