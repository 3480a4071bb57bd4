import http from 'node:http';
import { promtoolCheckMetrics } from '@microshop/testkit';
import { Agent, request as undiciRequest } from 'undici';
import { afterEach, describe, expect, test } from 'vitest';
import { startGateway, sleep, type GatewayHarness } from './gateway-harness.js';

/** The gateway's tracked-client gauge, read from its `/metrics`. */
async function trackedClients(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = /^microshop_gateway_rate_limit_clients (\d+)$/m.exec(text)?.[1];
  if (value === undefined) throw new Error('no microshop_gateway_rate_limit_clients in /metrics');
  return Number(value);
}

/** One GET from a given loopback source address, on a connection of its own: a distinct client. */
function getFrom(url: string, path: string, localAddress: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port: Number(port), path, localAddress, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error(`no answer from ${localAddress} within 5 s`)));
    req.end();
  });
}

/** The i-th of up to 63,750 distinct loopback addresses (Linux routes all of 127.0.0.0/8 to loopback), never 127.0.0.1. */
const loopbackAddress = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`;

describe('Gateway: the per-client rate limit', () => {
  let gw: GatewayHarness | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  test('Over the burst, a 429 problem with Retry-After in whole seconds; /health and /metrics still answer', async () => {
    gw = await startGateway({ rateLimit: { ratePerS: 1, burst: 3, maxClients: 100 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${gw.url}/api/traffic`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const refused = await fetch(`${gw.url}/api/users/1`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(refused.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await refused.json()).toMatchObject({ status: 429, type: '/problems/rate-limited', title: 'Too many requests', instance: '/api/users/1' });
    // Refused requests go no further.
    expect(gw.allCalls()).toEqual([]);

    // Probes and scrapes are never limited, whoever sends them.
    for (let i = 0; i < 10; i++) {
      expect((await fetch(`${gw.url}/health`)).status).toBe(200);
      expect((await fetch(`${gw.url}/metrics`)).status).toBe(200);
    }
    expect(await trackedClients(gw.url)).toBe(1);
    // The gauge is a well-formed metric, as Prometheus' own linter reads it.
    expect(await promtoolCheckMetrics(await (await fetch(`${gw.url}/metrics`)).text())).toEqual({ code: 0, output: '' });

    // After Retry-After, the client is let through again.
    await sleep(Number(refused.headers.get('retry-after')) * 1000);
    expect((await fetch(`${gw.url}/api/traffic`)).status).toBe(200);
  });

  test('Another address is another client: one client over its limit does not stop the others', async () => {
    gw = await startGateway({ rateLimit: { ratePerS: 1, burst: 2, maxClients: 100 } });
    const path = '/api/traffic';
    expect([await getFrom(gw.url, path, '127.0.0.2'), await getFrom(gw.url, path, '127.0.0.2'), await getFrom(gw.url, path, '127.0.0.2')]).toEqual([200, 200, 429]);
    expect(await getFrom(gw.url, path, '127.0.0.3')).toBe(200);
    expect(await trackedClients(gw.url)).toBe(2);
  });

  test('A rate of 0 turns the limit off: every request goes through, and no client is tracked', async () => {
    gw = await startGateway({ rateLimit: { ratePerS: 0, burst: 1, maxClients: 1 } });
    for (let i = 0; i < 20; i++) expect((await fetch(`${gw.url}/api/traffic`)).status).toBe(200);
    expect(await trackedClients(gw.url)).toBe(0);
  });
});

describe('Gateway: the rate limit under load, over real sockets', () => {
  const RATE = 50;
  const BURST = 5;
  const MAX_CLIENTS = 1000;
  let gw: GatewayHarness | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  test(`One client sending far over ${RATE}/s for 4 s gets the burst plus ${RATE}/s through, within 5 %`, async () => {
    gw = await startGateway({ rateLimit: { ratePerS: RATE, burst: BURST, maxClients: MAX_CLIENTS } });
    const url = gw.url;
    const CALLERS = 8;
    const agent = new Agent({ connections: CALLERS });
    // Connections open and the route warm first, then a pause for the bucket to fill again: the
    // measured window starts with the first request of the run, not with a cold start.
    await Promise.all(Array.from({ length: CALLERS }, async () => (await undiciRequest(`${url}/api/traffic`, { dispatcher: agent })).body.dump()));
    await sleep((BURST / RATE) * 1000 + 200);
    const counts = { ok: 0, limited: 0, other: 0 };
    let first: number | undefined;
    let last = 0;
    const started = performance.now();
    // Callers in closed loops, each sending its next request as soon as the last is answered: far
    // over the rate the whole time.
    const caller = async () => {
      while (performance.now() - started < 4000) {
        const sentAt = performance.now();
        first ??= sentAt;
        last = sentAt;
        const answer = await undiciRequest(`${url}/api/traffic`, { dispatcher: agent });
        await answer.body.dump();
        if (answer.statusCode === 200) counts.ok++;
        else if (answer.statusCode === 429) counts.limited++;
        else counts.other++;
      }
    };
    await Promise.all(Array.from({ length: CALLERS }, caller));
    await agent.close();
    const elapsedS = (last - (first ?? last)) / 1000;
    const expected = BURST + RATE * elapsedS;
    console.log(`rate limit accuracy: ${counts.ok} allowed, ${counts.limited} refused in ${elapsedS.toFixed(3)} s; expected ${expected.toFixed(1)} (burst ${BURST} + ${RATE}/s × elapsed)`);
    expect(counts.other).toBe(0);
    // Demand stayed far over the rate, or the count would say nothing about the limiter.
    expect(counts.ok + counts.limited).toBeGreaterThan(2 * expected);
    expect(Math.abs(counts.ok - expected)).toBeLessThanOrEqual(0.05 * expected);
  });

  test(`10,000 distinct clients (real source addresses) keep the tracked clients at ${MAX_CLIENTS}, no more`, async () => {
    // A bucket here takes 100 s to win back a token: none is full again during the run, so every
    // new client past the bound evicts the least recently seen one, and the table stays full.
    gw = await startGateway({ rateLimit: { ratePerS: 0.01, burst: BURST, maxClients: MAX_CLIENTS } });
    const url = gw.url;
    const heapBefore = process.memoryUsage().heapUsed;
    const CLIENTS = 10_000;
    const CONCURRENCY = 50;
    let next = 0;
    let ok = 0;
    let highest = 0;
    const started = performance.now();
    const worker = async () => {
      for (let i = next++; i < CLIENTS; i = next++) {
        if ((await getFrom(url, '/api/traffic', loopbackAddress(i))) === 200) ok++;
        if (i % 1000 === 999) highest = Math.max(highest, await trackedClients(url));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const tracked = await trackedClients(url);
    const heapAfter = process.memoryUsage().heapUsed;
    const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
    console.log(
      `rate limit bound: ${CLIENTS} clients in ${((performance.now() - started) / 1000).toFixed(1)} s, ${ok} answered 200, ` +
        `tracked ${tracked} at the end (highest sampled ${highest}, bound ${MAX_CLIENTS}); heapUsed ${mib(heapBefore)} → ${mib(heapAfter)} MiB`,
    );
    // Every new client starts with a full bucket; the table filled up to the bound and no further.
    expect(ok).toBe(CLIENTS);
    expect(highest).toBe(MAX_CLIENTS);
    expect(tracked).toBe(MAX_CLIENTS);
  }, 120_000);
});
