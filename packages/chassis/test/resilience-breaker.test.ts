import { startFakeService, type FakeService } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createResilience, createServiceClient, metricsRegistry, type Resilience, type ServiceClient } from '../src/index.js';

const FAILURES = 3;
const HALF_OPEN_AFTER_MS = 10_000;
const boom = { status: 500, body: { type: '/problems/internal', title: 'Boom', status: 500, detail: 'boom' } };

/** Status of a call: the answer's, or the error's (the client throws 5xx as AppError). */
async function statusOf(client: ServiceClient, path = '/api/things/1'): Promise<{ status: number; headers?: Record<string, string> | undefined }> {
  try {
    return { status: (await client.call({ path })).status };
  } catch (error) {
    const { status, headers } = error as { status: number; headers?: Record<string, string> };
    return { status, headers };
  }
}

describe('Circuit breaker on a fake clock (D3)', () => {
  let fake: FakeService;
  let resilience: Resilience;
  let client: ServiceClient;

  beforeEach(async () => {
    // Only the clock the breaker reads is faked: sockets and timers stay real.
    vi.useFakeTimers({ toFake: ['Date'] });
    fake = await startFakeService();
    resilience = createResilience({
      service: 'test-caller',
      settings: { breaker_failures: FAILURES, breaker_half_open_after_ms: HALF_OPEN_AFTER_MS },
      // Retries off: each call is one attempt, so failures are counted one by one.
      switches: { retries: false },
    });
    client = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: 2000, resilience });
  });

  afterEach(async () => {
    vi.useRealTimers();
    await client.close();
    await fake.close();
  });

  test('When the neighbour fails, then the breaker opens after exactly the configured failures and no call reaches it while open', async () => {
    fake.on('GET', '/api/things/:id', () => boom);
    for (let i = 1; i < FAILURES; i++) {
      expect((await statusOf(client)).status).toBe(502);
      expect(resilience.breakers()['thing-service']).toBe('closed');
    }
    expect((await statusOf(client)).status).toBe(502);
    expect(resilience.breakers()['thing-service']).toBe('open');
    expect(fake.calls).toHaveLength(FAILURES);

    for (let i = 0; i < 20; i++) {
      const answer = await statusOf(client);
      expect(answer.status).toBe(503);
      expect(answer.headers?.['retry-after']).toBe(String(HALF_OPEN_AFTER_MS / 1000));
    }
    expect(fake.calls).toHaveLength(FAILURES);

    vi.setSystemTime(Date.now() + HALF_OPEN_AFTER_MS - 1);
    expect((await statusOf(client)).status).toBe(503);
    expect(fake.calls).toHaveLength(FAILURES);
    const gauge = (await metricsRegistry.getSingleMetricAsString('microshop_circuit_breaker_state'));
    expect(gauge).toContain('microshop_circuit_breaker_state{target="thing-service"} 2');
  });

  test('When the open time has passed, then exactly one probe goes through, and its success closes the breaker', async () => {
    fake.on('GET', '/api/things/:id', () => boom);
    for (let i = 0; i < FAILURES; i++) await statusOf(client);
    expect(resilience.breakers()['thing-service']).toBe('open');

    vi.setSystemTime(Date.now() + HALF_OPEN_AFTER_MS);
    fake.on('GET', '/api/things/:id', () => ({ body: { id: 1 }, delayMs: 200 }));
    const probe = statusOf(client);
    const others = Array.from({ length: 5 }, () => statusOf(client));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // While the probe is in flight the breaker is half-open and nothing else reaches the neighbour.
    expect(resilience.breakers()['thing-service']).toBe('half-open');
    expect(fake.calls).toHaveLength(FAILURES + 1);

    expect((await probe).status).toBe(200);
    expect(resilience.breakers()['thing-service']).toBe('closed');
    expect((await Promise.all(others)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  });

  test('When the probe fails, then the breaker opens again for another full wait', async () => {
    fake.on('GET', '/api/things/:id', () => boom);
    for (let i = 0; i < FAILURES; i++) await statusOf(client);
    vi.setSystemTime(Date.now() + HALF_OPEN_AFTER_MS);
    expect((await statusOf(client)).status).toBe(502);
    expect(fake.calls).toHaveLength(FAILURES + 1);
    expect(resilience.breakers()['thing-service']).toBe('open');
    expect((await statusOf(client)).status).toBe(503);
    expect(fake.calls).toHaveLength(FAILURES + 1);
  });

  test('When the neighbour answers 4xx, then the breaker never counts it', async () => {
    fake.on('GET', '/api/things/:id', () => ({ status: 404, body: { type: '/problems/not-found', title: 'Not found', status: 404, detail: 'no' } }));
    for (let i = 0; i < FAILURES * 4; i++) expect((await statusOf(client)).status).toBe(404);
    expect(resilience.breakers()['thing-service']).toBe('closed');
    expect(fake.calls).toHaveLength(FAILURES * 4);
  });

  test('When the neighbour is refused, then the breaker counts it, and a 5xx naming another service is not its failure', async () => {
    fake.on('GET', '/api/things/:id', () => ({ status: 503, body: { type: '/problems/service-unavailable', title: 'Service unavailable', status: 503, detail: 'x is down', service: 'other-service' } }));
    for (let i = 0; i < FAILURES * 2; i++) expect((await statusOf(client)).status).toBe(503);
    expect(resilience.breakers()['thing-service']).toBe('closed');
    expect(fake.calls).toHaveLength(FAILURES * 2);

    // Refused: the neighbour's own failure. The passed-on 503s counted as answers, so the breaker opens
    // once the refusals are as many (half the window's calls), not after the first FAILURES.
    await fake.close();
    for (let i = 0; i < FAILURES * 2 - 1; i++) expect((await statusOf(client)).status).toBe(503);
    expect(resilience.breakers()['thing-service']).toBe('closed');
    expect((await statusOf(client)).status).toBe(503);
    expect(resilience.breakers()['thing-service']).toBe('open');
    fake = await startFakeService();
  });

  test('When breakers are switched off, then every call reaches the failing neighbour', async () => {
    resilience.setSwitches({ breakers: false });
    fake.on('GET', '/api/things/:id', () => boom);
    for (let i = 0; i < FAILURES * 3; i++) expect((await statusOf(client)).status).toBe(502);
    expect(fake.calls).toHaveLength(FAILURES * 3);
  });
});

describe('Bulkhead', () => {
  test('When more calls come than slots and queue hold, then the extra ones are refused at once with 503, and the neighbour never sees more than the slots', async () => {
    const fake = await startFakeService();
    let inFlight = 0;
    let most = 0;
    fake.on('GET', '/api/things/:id', async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 150));
      inFlight--;
      return { body: { id: 1 } };
    });
    const resilience = createResilience({ service: 'test-caller', settings: { bulkhead_max_concurrent: 2, bulkhead_queue: 1 } });
    const client = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: 2000, resilience });
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const answer = await statusOf(client);
        return { status: answer.status, ms: performance.now() - started };
      }),
    );
    await client.close();
    await fake.close();
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    const refused = answers.filter((a) => a.status === 503);
    expect(refused).toHaveLength(3);
    for (const { ms } of refused) expect(ms).toBeLessThan(100);
    expect(most).toBe(2);
  });
});
