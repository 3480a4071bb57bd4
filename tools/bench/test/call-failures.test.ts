import { createResilience, createServiceClient, metricsRegistry } from '@microshop/chassis';
import { startFakeService, type FakeService } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { countFailures, describeFailures, failuresBetween } from '../src/call-failures.js';

/**
 * The counters the bench reads around each measurement are the chassis' own: a real client with
 * its breaker, timeouts and bulkhead calls a fake neighbour, and the process registry's exposition
 * is counted before and after.
 */
describe('Bench: what the calls between processes met, from their /metrics', () => {
  let fake: FakeService;
  beforeAll(async () => {
    fake = await startFakeService();
  });
  afterAll(async () => {
    await fake.close();
  });

  test('When calls time out, open the breaker and are refused, then the counts read from the exposition say so, and nothing else moved', async () => {
    const resilience = createResilience({
      service: 'bench-caller',
      settings: { breaker_failures: 2, breaker_half_open_after_ms: 60_000, first_byte_timeout_ms: 50 },
      switches: { retries: false },
    });
    const client = createServiceClient({ service: 'slow-service', baseUrl: fake.url, timeoutMs: 1000, resilience });
    fake.on('GET', '/api/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { status: 200, body: {} };
    });
    const before = countFailures(await metricsRegistry.metrics());
    try {
      for (let i = 0; i < 5; i++) await client.call({ path: '/api/slow' }).catch(() => undefined);
    } finally {
      await client.close();
    }
    const moved = failuresBetween(before, countFailures(await metricsRegistry.metrics()));

    // Two timeouts open the breaker; the three calls after it are refused unsent.
    expect(moved).toEqual({ timed_out: 2, refused_breaker_open: 3, refused_bulkhead_full: 0, breakers_opened: 1, refused_budget_spent: 0 });
    expect(describeFailures(moved)).toBe('2 calls timed out, 3 refused by an open breaker, breakers opened 1 time');
  });

  test('When a call waits for a bulkhead slot until its budget is spent, then it counts as not sent for its budget, apart from the breaker and bulkhead refusals', async () => {
    const resilience = createResilience({
      service: 'bench-caller-queued',
      settings: { bulkhead_max_concurrent: 1, bulkhead_min_concurrent: 1, breaker_failures: 100 },
      switches: { retries: false },
    });
    const client = createServiceClient({ service: 'queued-service', baseUrl: fake.url, timeoutMs: 150, resilience });
    fake.on('GET', '/api/queued', async () => {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return { status: 200, body: {} };
    });
    const before = countFailures(await metricsRegistry.metrics());
    try {
      // The first takes the one slot and times out after 150 ms; the second waited those 150 ms for it.
      await Promise.all([client.call({ path: '/api/queued' }).catch(() => undefined), client.call({ path: '/api/queued' }).catch(() => undefined)]);
    } finally {
      await client.close();
    }
    const moved = failuresBetween(before, countFailures(await metricsRegistry.metrics()));
    expect(moved).toEqual({ timed_out: 1, refused_breaker_open: 0, refused_bulkhead_full: 0, breakers_opened: 0, refused_budget_spent: 1 });
    expect(describeFailures(moved)).toBe("1 call timed out, 1 not sent, the request's budget spent");

    const text = [
      'microshop_http_client_requests_total{target="a",method="GET",outcome="not_sent"} 10',
      'microshop_http_client_rejected_total{target="a",reason="breaker_open"} 3',
      'microshop_http_client_rejected_total{target="a",reason="bulkhead_full"} 2',
    ].join('\n');
    expect(countFailures(text)).toMatchObject({ refused_breaker_open: 3, refused_bulkhead_full: 2, refused_budget_spent: 5 });
  });

  test('When nothing failed, then there is nothing to describe; labels other than the counted ones are not counted', () => {
    const text = [
      '# TYPE microshop_http_client_requests_total counter',
      'microshop_http_client_requests_total{target="a",method="GET",outcome="ok"} 40',
      'microshop_http_client_requests_total{target="a",method="GET",outcome="timeout"} 3',
      'microshop_http_client_requests_total{target="b",method="POST",outcome="timeout"} 4',
      'microshop_http_client_rejected_total{target="a",reason="retry_budget"} 9',
      'microshop_circuit_breaker_transitions_total{target="a",to="half-open"} 2',
      'microshop_circuit_breaker_transitions_total{target="a",to="open"} 2',
    ].join('\n');
    expect(countFailures(text)).toEqual({ timed_out: 7, refused_breaker_open: 0, refused_bulkhead_full: 0, breakers_opened: 2, refused_budget_spent: 0 });
    expect(describeFailures({ timed_out: 0, refused_breaker_open: 0, refused_bulkhead_full: 0, breakers_opened: 0 })).toBeUndefined();
    expect(describeFailures(undefined)).toBeUndefined();
  });
});
