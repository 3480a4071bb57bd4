import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startFakeService, type FakeService } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createAnswerTime, createResilience, createRetryBudget, createServiceClient, fullJitterDelay, metricsRegistry, runWithDeadline, type Resilience, type ServiceClient } from '../src/index.js';

const boom = { status: 503, body: { type: '/problems/x', title: 'Busy', status: 503, detail: 'busy' } };

describe('Retries, the retry budget and the budget header', () => {
  let fake: FakeService;
  let resilience: Resilience;
  let client: ServiceClient;

  beforeEach(async () => {
    fake = await startFakeService();
    // A breaker that never opens here: the retries alone are measured.
    resilience = createResilience({ service: 'test-caller', settings: { breaker_failures: 1000, retry_max_attempts: 3, retry_base_ms: 5, retry_budget_ratio: 0.2 } });
    client = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: 2000, resilience });
  });

  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  const attempt = (options: Parameters<ServiceClient['call']>[0]) => client.call(options).then((r) => r.status, (e: { status: number }) => e.status);

  test('When a GET fails, then it is tried at most RETRY_MAX_ATTEMPTS times', async () => {
    fake.on('GET', '/api/things/:id', () => boom);
    expect(await attempt({ path: '/api/things/1' })).toBe(503);
    expect(fake.calls).toHaveLength(3);
  });

  test('When a POST without an Idempotency-Key fails, then it is never retried; with one, it is', async () => {
    fake.on('POST', '/api/things', () => boom);
    expect(await attempt({ method: 'POST', path: '/api/things', body: {} })).toBe(503);
    expect(fake.calls).toHaveLength(1);
    expect(await attempt({ method: 'POST', path: '/api/things', body: {}, headers: { 'idempotency-key': 'k-1' } })).toBe(503);
    expect(fake.calls).toHaveLength(4);
  });

  test('When every call fails for long, then the retry budget holds calls per request near 1 + ratio (D6, closed breaker)', async () => {
    fake.on('GET', '/api/things/:id', () => boom);
    const requests = 200;
    for (let i = 0; i < requests; i++) await attempt({ path: '/api/things/1' });
    const perRequest = fake.calls.length / requests;
    console.log(`retry budget: ${fake.calls.length} upstream calls for ${requests} requests under 100 % failure = ${perRequest.toFixed(2)} per request (max attempts 3, ratio 0.2, burst 10)`);
    expect(perRequest).toBeLessThanOrEqual(1 + 0.2 + 10 / requests + 0.01);
  });

  test('When a GET is retried, then the waits between attempts are jittered within [0, base × 2^(n-1)]', async () => {
    const times: number[] = [];
    fake.on('GET', '/api/things/:id', () => {
      times.push(performance.now());
      return boom;
    });
    const gaps: number[] = [];
    for (let i = 0; i < 8; i++) {
      times.length = 0;
      await attempt({ path: '/api/things/1' });
      if (times.length >= 2) gaps.push((times[1] ?? 0) - (times[0] ?? 0));
    }
    console.log(`D6 backoff before the first retry (base 5 ms): ${gaps.map((g) => g.toFixed(1)).join(', ')} ms`);
    expect(gaps.length).toBeGreaterThanOrEqual(4);
    expect(new Set(gaps.map((g) => Math.round(g))).size).toBeGreaterThan(1);
  });

  test('When timeouts are switched off, then a slow answer is awaited past the call budget; on, the call gives up at the budget', async () => {
    const slow = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: 150, resilience });
    fake.on('GET', '/api/things/:id', () => ({ body: { id: 1 }, delayMs: 400 }));
    resilience.setSwitches({ timeouts: false, retries: false });
    const off = await slow.call({ path: '/api/things/1' }).then((r) => r.status, (e: { status: number }) => e.status);
    resilience.setSwitches({ timeouts: true });
    const started = performance.now();
    const on = await slow.call({ path: '/api/things/1' }).then((r) => r.status, (e: { status: number }) => e.status);
    const took = performance.now() - started;
    await slow.close();
    expect(off).toBe(200);
    expect(on).toBe(503);
    expect(took).toBeLessThan(350);
  });

  test('When retries are switched off, then a failing GET is sent once', async () => {
    resilience.setSwitches({ retries: false });
    fake.on('GET', '/api/things/:id', () => boom);
    expect(await attempt({ path: '/api/things/1' })).toBe(503);
    expect(fake.calls).toHaveLength(1);
  });

  test('When a call is made inside a request with a deadline, then the budget header carries what is left, less a margin', async () => {
    fake.on('GET', '/api/things/:id', () => ({ body: { id: 1 } }));
    await runWithDeadline(Date.now() + 500, () => client.call({ path: '/api/things/1' }));
    const sent = Number(fake.calls[0]?.headers['x-budget-ms']);
    expect(sent).toBeGreaterThan(400);
    expect(sent).toBeLessThanOrEqual(500);
  });

  test('When the call has more time than one attempt waits, then the budget header is the attempt\'s first-byte wait, not the whole call\'s', async () => {
    // 2,000 ms for the call, 1,000 ms (the default first-byte limit) for each attempt: the callee is told 950 ms.
    fake.on('GET', '/api/things/:id', () => ({ body: { id: 1 } }));
    await client.call({ path: '/api/things/1' });
    expect(Number(fake.calls[0]?.headers['x-budget-ms'])).toBe(950);
  });

  test('When the neighbour answers within the first-byte limit, then the call waits for it: no coarse timer cuts it early', async () => {
    // undici's own headers timeout ticks every half second and starts half a tick back: with it set
    // to the limit, a 950 ms limit cut about half of these 750 ms answers after 500-750 ms.
    // A busy process keeps that clock ticking; here one long call in the background does.
    const exact = createResilience({ service: 'test-caller', settings: { breaker_failures: 1000, retry_max_attempts: 1, first_byte_timeout_ms: 950 } });
    const caller = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: 2000, resilience: exact });
    const patient = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: 8000, resilience: createResilience({ service: 'test-caller', settings: { first_byte_timeout_ms: 8000 } }) });
    fake.on('GET', '/api/things/:id', () => ({ body: { id: 1 }, delayMs: 750 }));
    fake.on('GET', '/api/slow', () => ({ body: {}, delayMs: 5000 }));
    const background = patient.call({ path: '/api/slow' }).then((r) => r.status);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push(await caller.call({ path: '/api/things/1' }).then((r) => r.status, (e: { status: number }) => e.status));
    expect(await background).toBe(200);
    await Promise.all([caller.close(), patient.close()]);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
  });

  test('When an attempt times out waiting for its first byte, then the retry is told what is left of the call, no more', async () => {
    const quick = createResilience({ service: 'test-caller', settings: { breaker_failures: 1000, retry_max_attempts: 2, retry_base_ms: 1, retry_max_delay_ms: 1, first_byte_timeout_ms: 300 } });
    const caller = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: 500, resilience: quick });
    let calls = 0;
    fake.on('GET', '/api/things/:id', () => (++calls === 1 ? { body: { id: 1 }, delayMs: 400 } : { body: { id: 1 } }));
    const status = await caller.call({ path: '/api/things/1' }).then((r) => r.status);
    await caller.close();
    expect(status).toBe(200);
    const budgets = fake.calls.map((call) => Number(call.headers['x-budget-ms']));
    expect(budgets[0]).toBe(285);
    // About 200 ms are left after the first attempt's 300 ms: the retry may not be told more.
    expect(budgets[1]).toBeGreaterThan(0);
    expect(budgets[1]).toBeLessThan(200);
  });

  /** Retries not sent for want of time, to `target`, so far in this process. */
  const retriesWithoutTime = async (target: string) => {
    const values = (await metricsRegistry.getSingleMetric('microshop_http_client_rejected_total')?.get())?.values ?? [];
    return values.filter((v) => v.labels.target === target && v.labels.reason === 'retry_no_time').reduce((sum, v) => sum + v.value, 0);
  };

  /** A caller whose neighbour answers in about 150 ms, five times, before the call under test. */
  const callerUsedTo150ms = async (target: string, timeoutMs: number) => {
    const used = createResilience({ service: 'test-caller', settings: { breaker_failures: 1000, retry_max_attempts: 2, retry_base_ms: 1, retry_max_delay_ms: 1, first_byte_timeout_ms: timeoutMs } });
    const caller = createServiceClient({ service: target, baseUrl: fake.url, timeoutMs, resilience: used });
    fake.on('GET', '/api/things/:id', () => ({ body: { id: 1 }, delayMs: 150 }));
    for (let i = 0; i < 5; i++) await caller.call({ path: '/api/things/1' });
    fake.calls.length = 0;
    return caller;
  };

  /** One call of a caller used to 150 ms answers, whose first attempt gets a 503 after 200 ms: what came of it. */
  const callFailingFirstAfter200ms = async (target: string, timeoutMs: number) => {
    const caller = await callerUsedTo150ms(target, timeoutMs);
    const before = await retriesWithoutTime(target);
    fake.on('GET', '/api/things/:id', () => (fake.calls.length === 1 ? { ...boom, delayMs: 200 } : { body: { id: 1 }, delayMs: 150 }));
    const status = await caller.call({ path: '/api/things/1' }).then((r) => r.status, (e: { status: number }) => e.status);
    await caller.close();
    return { status, sent: fake.calls.length, retriesWithoutTime: (await retriesWithoutTime(target)) - before };
  };

  test('When an attempt fails with less of the call left than the neighbour takes to answer, then no retry is sent into it', async () => {
    // 200 ms into a 300 ms call: about 100 ms are left, and answers take about 150. A retry would only time out.
    expect(await callFailingFirstAfter200ms('late-service', 300)).toEqual({ status: 503, sent: 1, retriesWithoutTime: 1 });
  });

  test('When an attempt fails with time enough left for an answer, then the retry is sent and answers', async () => {
    expect(await callFailingFirstAfter200ms('timely-service', 1000)).toEqual({ status: 200, sent: 2, retriesWithoutTime: 0 });
  });

  test('When answers come in, then the typical answer time follows them, a fifth at a time; none before the first', () => {
    const answers = createAnswerTime();
    expect(answers.typicalMs()).toBeUndefined();
    answers.record(10);
    expect(answers.typicalMs()).toBe(10);
    answers.record(60);
    expect(answers.typicalMs()).toBe(20);
    for (let i = 0; i < 30; i++) answers.record(100);
    expect(answers.typicalMs()).toBeGreaterThan(99);
  });

  test('When the deadline is already spent, then nothing is sent and the answer is 503', async () => {
    fake.on('GET', '/api/things/:id', () => ({ body: { id: 1 } }));
    expect(await runWithDeadline(Date.now() - 1, () => attempt({ path: '/api/things/1' }))).toBe(503);
    expect(fake.calls).toHaveLength(0);
  });

  test('When the neighbour hangs, then the call gives up within its deadline, not the client budget', async () => {
    fake.on('GET', '/api/things/:id', () => ({ hang: true }));
    const started = performance.now();
    expect(await runWithDeadline(Date.now() + 300, () => attempt({ path: '/api/things/1' }))).toBe(503);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(600);
  });
});

describe('Backoff and budget arithmetic', () => {
  test('When backoff delays are drawn, then they are spread over [0, base × 2^(n-1)] (full jitter), never above the cap', () => {
    const delays = Array.from({ length: 1000 }, () => fullJitterDelay(3, 50, 1000));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(200);
    expect(new Set(delays).size).toBeGreaterThan(100);
    expect(Math.max(...Array.from({ length: 100 }, () => fullJitterDelay(20, 50, 1000)))).toBeLessThan(1000);
  });

  test('When the bucket is spent, then one retry comes back only per 1/ratio calls', () => {
    const budget = createRetryBudget(0.25, 2);
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false]);
    for (let i = 0; i < 3; i++) budget.recordCall();
    expect(budget.tryRetry()).toBe(false);
    budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
  });
});

describe('A response cut short', () => {
  let server: Server;
  let url: string;
  let accepted = 0;

  beforeEach(async () => {
    accepted = 0;
    // Headers promise 100 bytes of JSON; 8 arrive, then the connection is reset (Toxiproxy's reset_peer / limit_data).
    server = createServer((socket) => {
      accepted++;
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"id":1,');
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('When the body is reset midway, then the call is a 503 naming the neighbour, retried as a failure, never a success', async () => {
    const resilience = createResilience({ service: 'test-caller', settings: { retry_max_attempts: 3, retry_base_ms: 5 } });
    const client = createServiceClient({ service: 'thing-service', baseUrl: url, timeoutMs: 2000, resilience });
    const outcome = await client.call({ path: '/api/things/1' }).then(
      (answer) => ({ status: answer.status, service: undefined }),
      (error: { status: number; service?: string }) => ({ status: error.status, service: error.service }),
    );
    await client.close();
    expect(outcome).toEqual({ status: 503, service: 'thing-service' });
    expect(accepted).toBe(3);
  });
});
