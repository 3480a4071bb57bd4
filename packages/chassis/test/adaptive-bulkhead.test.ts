import { startFakeService } from '@microshop/testkit';
import { describe, expect, test } from 'vitest';
import { AdaptiveBulkhead, BulkheadFullError, createResilience, createServiceClient, UpstreamFailure } from '../src/index.js';

/** A bulkhead on a clock the test moves, and calls the test answers one by one. */
function bulkheadAt(options: { max?: number; min?: number; queue?: number } = {}) {
  let now = 0;
  const limits: number[] = [];
  const bulkhead = new AdaptiveBulkhead({
    max: options.max ?? 32,
    min: options.min ?? 4,
    queue: options.queue ?? 100,
    isOverload: (error) => error instanceof UpstreamFailure && error.kind === 'timeout',
    onLimit: (limit) => limits.push(limit),
    now: () => now,
  });
  /** Calls started in order; each is answered by the test. */
  const pending: Array<{ answer: () => void; fail: (error: unknown) => void; started: boolean }> = [];
  const call = (slowAfterMs = 250) => {
    const entry = { answer: () => {}, fail: (_error: unknown) => {}, started: false };
    pending.push(entry);
    const done = bulkhead.execute(
      () =>
        new Promise<string>((resolve, reject) => {
          entry.started = true;
          entry.answer = () => resolve('ok');
          entry.fail = reject;
        }),
      slowAfterMs,
    );
    return { entry, done };
  };
  return {
    bulkhead,
    limits,
    call,
    advance: (ms: number) => {
      now += ms;
    },
    /** `n` calls one after another, each answered after `ms`. */
    async sequential(n: number, ms: number) {
      for (let i = 0; i < n; i++) {
        const { entry, done } = call();
        now += ms;
        entry.answer();
        await done;
      }
    },
  };
}

/** Two turns of the event loop: the answer's promise chain, then the bulkhead's hand-over of the slot. */
const settle = async () => {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('AdaptiveBulkhead: a limit that follows the neighbour latency', () => {
  test('When a neighbour answers in time, then the limit stays at the maximum, and calls beyond it wait in order for a slot', async () => {
    const b = bulkheadAt({ max: 3 });
    const calls = Array.from({ length: 5 }, () => b.call());
    expect(calls.map((c) => c.entry.started)).toEqual([true, true, true, false, false]);
    expect(b.bulkhead.queued).toBe(2);
    b.advance(10);
    calls[1]?.entry.answer();
    await settle();
    // The first waiting call took the freed slot; the second still waits.
    expect(calls.map((c) => c.entry.started)).toEqual([true, true, true, true, false]);
    expect(b.bulkhead.limit).toBe(3);
    expect(b.bulkhead.inFlight).toBe(3);
    expect(b.limits).toEqual([]);
  });

  test('When the queue is full, then a call is refused at once, naming the slots and the queue, and is never started', async () => {
    const b = bulkheadAt({ max: 2, queue: 1 });
    b.call();
    b.call();
    b.call();
    const refused = b.call();
    await expect(refused.done).rejects.toBeInstanceOf(BulkheadFullError);
    await expect(refused.done).rejects.toThrow('2 calls in flight and 1 waiting');
    expect(refused.entry.started).toBe(false);
  });

  test('When answers come later than their slow mark, then the limit is cut by a quarter once per round of calls, not once per late answer', async () => {
    const b = bulkheadAt({ max: 32 });
    const round = Array.from({ length: 32 }, () => b.call());
    b.advance(300);
    // Thirty-two late answers of calls sent under the same limit: one cut.
    for (const c of round) c.entry.answer();
    await Promise.all(round.map((c) => c.done));
    expect(b.bulkhead.limit).toBe(24);
    expect(b.limits).toEqual([24]);
    // Calls sent after that cut, late again: a second cut.
    const next = Array.from({ length: 24 }, () => b.call());
    b.advance(300);
    for (const c of next) c.entry.answer();
    await Promise.all(next.map((c) => c.done));
    expect(b.bulkhead.limit).toBe(18);
  });

  test('When the neighbour keeps answering late, then the limit falls to its floor and no further; a timeout cuts as a late answer does', async () => {
    const b = bulkheadAt({ max: 32, min: 4 });
    for (let i = 0; i < 20; i++) {
      const { entry, done } = b.call();
      b.advance(1);
      entry.fail(new UpstreamFailure('timeout', 'did not answer within 1000 ms'));
      await expect(done).rejects.toBeInstanceOf(UpstreamFailure);
    }
    expect(b.bulkhead.limit).toBe(4);
    expect(b.limits.at(-1)).toBe(4);
    // A 5xx in time is the breaker's business, not the bulkhead's.
    const c = bulkheadAt({ max: 8 });
    const { entry, done } = c.call();
    entry.fail(new UpstreamFailure('server_error', '500'));
    await expect(done).rejects.toBeInstanceOf(UpstreamFailure);
    expect(c.bulkhead.limit).toBe(8);
  });

  test('When answers come in time again, then the limit grows back by about one slot per round of answers, up to the maximum', async () => {
    const b = bulkheadAt({ max: 16, min: 4 });
    for (let i = 0; i < 10; i++) {
      const { entry, done } = b.call();
      entry.fail(new UpstreamFailure('timeout', 'late'));
      await done.catch(() => {});
    }
    expect(b.bulkhead.limit).toBe(4);
    // Every slot kept in use: each call answered in time is replaced, and new slots are filled.
    const inFlight: Array<ReturnType<typeof b.call>> = [];
    const fill = () => {
      while (b.bulkhead.inFlight < b.bulkhead.limit) inFlight.push(b.call());
    };
    fill();
    let answered = 0;
    while (b.bulkhead.limit < 16 && answered < 1000) {
      const oldest = inFlight.shift();
      b.advance(5);
      oldest?.entry.answer();
      await oldest?.done;
      answered++;
      fill();
    }
    expect(b.bulkhead.limit).toBe(16);
    // From 4 to 16 at 1/limit a fast answer: about (16² − 4²) / 2 = 120 answers.
    expect(answered).toBeGreaterThan(100);
    expect(answered).toBeLessThan(140);
    for (let i = 0; i < 50; i++) {
      const oldest = inFlight.shift();
      oldest?.entry.answer();
      await oldest?.done;
      fill();
    }
    expect(b.bulkhead.limit).toBe(16);
  });

  test('When a neighbour is called one call at a time, then a cut limit grows back too, by a slot per limit\'s worth of answers in time; a failure in time neither cuts nor grows it', async () => {
    const b = bulkheadAt({ max: 32, min: 4 });
    const { entry, done } = b.call();
    b.advance(300);
    entry.answer();
    await done;
    expect(b.bulkhead.limit).toBe(24);
    const refused = b.call();
    refused.entry.fail(new UpstreamFailure('unreachable', 'connection refused'));
    await expect(refused.done).rejects.toBeInstanceOf(UpstreamFailure);
    expect(b.bulkhead.limit).toBe(24);
    // From 24 at 1/limit an answer: about (28² − 24²) / 2 = 104 answers to 28.
    await b.sequential(100, 1);
    expect(b.bulkhead.limit).toBe(27);
    await b.sequential(1000, 1);
    expect(b.bulkhead.limit).toBe(32);
  });

  test('When the options are impossible, then the bulkhead is not built; a floor above the maximum is the maximum', () => {
    expect(() => new AdaptiveBulkhead({ max: 0, min: 1, queue: 0 })).toThrow('max must be a whole number of at least 1, not 0');
    expect(() => new AdaptiveBulkhead({ max: 4, min: 0, queue: 0 })).toThrow('min must be a whole number of at least 1, not 0');
    expect(() => new AdaptiveBulkhead({ max: 4, min: 1, queue: -1 })).toThrow('queue must be a whole number of at least 0, not -1');
    expect(() => new AdaptiveBulkhead({ max: 2.5, min: 1, queue: 0 })).toThrow('max must be a whole number');
    const fixed = new AdaptiveBulkhead({ max: 2, min: 8, queue: 0 });
    expect(fixed.limit).toBe(2);
  });
});

describe('AdaptiveBulkhead through a real client and a fake neighbour', () => {
  test('When the breaker opens while calls wait for a slot, then they are refused at once when their turn comes, never sent to the neighbour', async () => {
    const fake = await startFakeService();
    fake.on('GET', '/api/hangs', () => new Promise(() => {}));
    const resilience = createResilience({
      service: 'test-caller-queued',
      settings: { bulkhead_max_concurrent: 2, bulkhead_min_concurrent: 2, breaker_failures: 2, breaker_failure_ratio: 0.5, first_byte_timeout_ms: 200 },
      switches: { retries: false },
    });
    const client = createServiceClient({ service: 'hanging-service', baseUrl: fake.url, timeoutMs: 5000, resilience });
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const answer = await client.call<{ type?: string }>({ method: 'GET', path: '/api/hangs' }).catch((error: unknown) => ({ status: (error as { status?: number }).status ?? 0, body: error }));
        return { status: answer.status, ms: performance.now() - started, type: (answer.body as { code?: string; type?: string } | undefined)?.code };
      }),
    );
    await client.close();
    await fake.close();
    // Two sent, both timed out after 200 ms and opened the breaker. A third may have taken the first
    // freed slot before the second timeout opened it; the others waiting were refused then.
    expect(fake.calls.length).toBeLessThanOrEqual(3);
    expect(answers.map((a) => a.status)).toEqual([503, 503, 503, 503, 503, 503]);
    for (const answer of answers) expect(answer.ms).toBeLessThan(1000);
    expect(answers.filter((a) => a.type === 'circuit-open').length).toBeGreaterThanOrEqual(3);
  });

  test('When a neighbour slows down under 24 calls at once, then the client cuts its limit, holds the excess itself, and the neighbour sees fewer calls at once; none is refused or lost', async () => {
    const fake = await startFakeService();
    let inFlight = 0;
    let most = 0;
    let slow = true;
    const seen: number[] = [];
    fake.on('GET', '/api/things/:id', async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      seen.push(inFlight);
      await new Promise((resolve) => setTimeout(resolve, slow ? 120 : 5));
      inFlight--;
      return { body: { id: 1 } };
    });
    // Slow after a quarter of 400 ms: 100 ms. The neighbour takes 120 ms.
    const resilience = createResilience({ service: 'test-caller', settings: { bulkhead_max_concurrent: 16, bulkhead_min_concurrent: 2, first_byte_timeout_ms: 400 } });
    const client = createServiceClient({ service: 'thing-service', baseUrl: fake.url, timeoutMs: 5000, resilience });
    const burst = () => Promise.all(Array.from({ length: 24 }, () => client.call<unknown>({ method: 'GET', path: '/api/things/1' }).then((a) => a.status)));

    expect(await burst()).toEqual(Array.from({ length: 24 }, () => 200));
    expect(most).toBe(16);
    const cut = resilience.bulkheads()['thing-service'];
    expect(cut?.limit).toBeLessThan(16);
    expect(cut).toMatchObject({ in_flight: 0, queued: 0 });

    // The next burst meets the cut limit: the neighbour never sees more than it.
    most = 0;
    const limitBefore = cut?.limit ?? 0;
    expect(await burst()).toEqual(Array.from({ length: 24 }, () => 200));
    expect(most).toBeLessThanOrEqual(limitBefore);
    const lower = resilience.bulkheads()['thing-service']?.limit ?? 0;
    expect(lower).toBeLessThan(limitBefore);

    // Fast again: the limit grows back while its slots are in use.
    slow = false;
    for (let i = 0; i < 6; i++) await burst();
    expect(resilience.bulkheads()['thing-service']?.limit).toBeGreaterThan(lower);
    expect(resilience.state().bulkheads['thing-service']).toMatchObject({ in_flight: 0, queued: 0 });
    await client.close();
    await fake.close();
  });
});
