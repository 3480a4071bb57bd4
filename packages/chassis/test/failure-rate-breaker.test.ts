import { startFakeService, type FakeService } from '@microshop/testkit';
import { CircuitState } from 'cockatiel';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createResilience, createServiceClient, FailureRateBreaker, type Resilience, type ServiceClient } from '../src/index.js';

const { Closed, HalfOpen } = CircuitState;

/** A breaker on a clock the test moves. */
function breakerAt(start = 1_000_000, options = { failures: 5, ratio: 0.5, windowMs: 10_000 }) {
  let now = start;
  const breaker = new FailureRateBreaker({ ...options, now: () => now });
  return {
    breaker,
    advance: (ms: number) => {
      now += ms;
    },
    /** `n` failures; true when the last one opened the breaker. */
    fail: (n: number) => Array.from({ length: n }, () => breaker.failure(Closed)).at(-1) ?? false,
    succeed: (n: number) => {
      for (let i = 0; i < n; i++) breaker.success(Closed);
    },
  };
}

describe('FailureRateBreaker: a failure rate over a window, with a floor of failures', () => {
  test('When a quiet neighbour fails every call, then the breaker opens at exactly the configured failures, as five in a row would', () => {
    const b = breakerAt();
    for (let i = 1; i < 5; i++) expect(b.breaker.failure(Closed), `failure ${i}`).toBe(false);
    expect(b.breaker.failure(Closed)).toBe(true);
  });

  test('When failures come in a burst among many successes, then the breaker stays closed; once they are half the calls, it opens', () => {
    const b = breakerAt();
    b.succeed(300);
    // Thirty calls in flight time out together: 30 of 330 failed.
    expect(b.fail(30)).toBe(false);
    // The neighbour goes on failing: at 300 failures of 600 it opens, not before.
    expect(b.fail(269)).toBe(false);
    expect(b.fail(1)).toBe(true);
  });

  test('When calls leave the window, then they no longer count: old successes do not hold a failing breaker closed, old failures do not open it', () => {
    const b = breakerAt();
    b.succeed(100);
    b.advance(10_000);
    // The successes are a window old: five failures are all the window holds.
    expect(b.fail(4)).toBe(false);
    expect(b.fail(1)).toBe(true);

    const c = breakerAt();
    c.fail(4);
    c.advance(10_000);
    expect(c.fail(1)).toBe(false);
    // Within a tenth of the window, a call's bucket is still counted.
    c.advance(500);
    expect(c.fail(3)).toBe(false);
    expect(c.fail(1)).toBe(true);
  });

  test('When the probe succeeds, then the window starts afresh; a failed probe opens it again', () => {
    const b = breakerAt();
    b.fail(4);
    b.breaker.success(HalfOpen);
    expect(b.fail(4)).toBe(false);
    expect(b.breaker.failure(HalfOpen)).toBe(true);
    // Its state round-trips (cockatiel serialises breakers through it).
    const copy = new FailureRateBreaker({ failures: 5, ratio: 0.5, windowMs: 10_000, now: () => 1_000_000 });
    copy.state = b.breaker.state;
    expect(copy.failure(Closed)).toBe(true);
  });

  test('When the options make no sense, then the breaker says which', () => {
    expect(() => new FailureRateBreaker({ failures: 0, ratio: 0.5, windowMs: 10_000 })).toThrow(/failures ≥ 1/);
    expect(() => new FailureRateBreaker({ failures: 5, ratio: 0, windowMs: 10_000 })).toThrow(/ratio/);
    expect(() => new FailureRateBreaker({ failures: 5, ratio: 0.5, windowMs: 1 })).toThrow(/windowMs/);
  });
});

describe('The breaker in the service client: a stall of the calls in flight does not open it', () => {
  let fake: FakeService;
  let resilience: Resilience;
  let client: ServiceClient;

  beforeEach(async () => {
    fake = await startFakeService();
    resilience = createResilience({
      service: 'test-caller',
      settings: { breaker_failures: 5, first_byte_timeout_ms: 100, breaker_half_open_after_ms: 60_000 },
      switches: { retries: false },
    });
    client = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: 1000, resilience });
  });
  afterEach(async () => {
    await client.close();
    await fake.close();
  });

  test('When twenty calls in flight time out together after a hundred answered, then the breaker stays closed and the next call is answered; when every call fails, it opens', async () => {
    let stalled = false;
    fake.on('GET', '/api/things/:id', async () => {
      if (stalled) await new Promise((resolve) => setTimeout(resolve, 400));
      return { status: 200, body: { id: 1 } };
    });
    for (let i = 0; i < 100; i++) await client.call({ path: '/api/things/1' });
    stalled = true;
    const burst = await Promise.allSettled(Array.from({ length: 20 }, () => client.call({ path: '/api/things/1' })));
    expect(burst.filter((r) => r.status === 'rejected')).toHaveLength(20);
    expect(resilience.breakers()['thing-service']).toBe('closed');
    stalled = false;
    expect((await client.call({ path: '/api/things/1' })).status).toBe(200);

    // Now the neighbour fails every call: 101 answered, so it takes as many failures to open.
    fake.on('GET', '/api/things/:id', () => ({ status: 500, body: { type: '/problems/internal', title: 'Boom', status: 500 } }));
    let failures = 20;
    while (resilience.breakers()['thing-service'] === 'closed' && failures < 200) {
      await client.call({ path: '/api/things/1' }).catch(() => undefined);
      failures++;
    }
    expect(resilience.breakers()['thing-service']).toBe('open');
    expect(failures).toBe(101);
  });
});
