import { describe, expect, test } from 'vitest';
import { clientKey, createRateLimiter } from '../src/domain/rate-limiter.js';

/** A clock the test moves by hand, in milliseconds. */
function manualClock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('The token bucket per client', () => {
  test('A new client may send a burst at once; the next request is refused with the seconds until a token is back', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerS: 2, burst: 3, maxClients: 10, now: clock.now });
    expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([
      { allowed: true, remaining: 2 },
      { allowed: true, remaining: 1 },
      { allowed: true, remaining: 0 },
    ]);
    // Empty: one token comes back in 0.5 s, announced as 1 s (whole seconds, at least 1).
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 1 });
    clock.advance(499);
    expect(limiter.take('a').allowed).toBe(false);
    clock.advance(1);
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 0 });
  });

  test('Refused requests take nothing: the bucket refills at the rate whatever the client keeps sending', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerS: 10, burst: 1, maxClients: 10, now: clock.now });
    let allowed = 0;
    // 10 s of a request every millisecond: the first (the burst) and then 10 a second.
    for (let ms = 0; ms < 10_000; ms++) {
      if (limiter.take('a').allowed) allowed++;
      clock.advance(1);
    }
    expect(allowed).toBe(1 + 10 * 10 - 1);
  });

  test('Retry-After is the whole seconds until one token is back: a slow rate gives a long wait', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerS: 0.25, burst: 1, maxClients: 10, now: clock.now });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 4 });
    clock.advance(3000);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterS: 1 });
  });

  test('The bucket never holds more than the burst, however long the client was away', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerS: 100, burst: 5, maxClients: 10, now: clock.now });
    limiter.take('a');
    clock.advance(3_600_000);
    const answers = Array.from({ length: 6 }, () => limiter.take('a').allowed);
    expect(answers).toEqual([true, true, true, true, true, false]);
  });

  test('Clients do not share a bucket', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerS: 1, burst: 1, maxClients: 10, now: clock.now });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
    expect(limiter.size()).toBe(2);
  });

  test('Settings that cannot limit anything are refused', () => {
    expect(() => createRateLimiter({ ratePerS: 0, burst: 1, maxClients: 1 })).toThrow(RangeError);
    expect(() => createRateLimiter({ ratePerS: 1, burst: 0, maxClients: 1 })).toThrow(RangeError);
    expect(() => createRateLimiter({ ratePerS: 1, burst: 1, maxClients: 0 })).toThrow(RangeError);
  });
});

describe('The bound on tracked clients', () => {
  test('Never more than maxClients, however many clients come', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerS: 1, burst: 10, maxClients: 100, now: clock.now });
    for (let i = 0; i < 10_000; i++) {
      limiter.take(`client-${i}`);
      expect(limiter.size()).toBeLessThanOrEqual(100);
      clock.advance(i % 7);
    }
    expect(limiter.size()).toBe(100);
  });

  test('When full, the buckets that have refilled go first, even when they were seen more recently than others', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerS: 1, burst: 10, maxClients: 3, now: clock.now });
    // `busy` empties its bucket first (the least recently seen of the three afterwards); `light-1`
    // and `light-2` take one token each, which comes back within a second.
    for (let i = 0; i < 10; i++) limiter.take('busy');
    clock.advance(10);
    limiter.take('light-1');
    limiter.take('light-2');
    clock.advance(1000);
    limiter.take('new');
    expect(limiter.size()).toBe(2);
    // `busy` was kept, its bucket still nearly empty: it did not get a new burst by being evicted.
    expect(limiter.take('busy').allowed).toBe(true);
    expect(limiter.take('busy').allowed).toBe(false);
  });

  test('When full and none has refilled, the least recently seen client goes', () => {
    const clock = manualClock();
    const limiter = createRateLimiter({ ratePerS: 1, burst: 10, maxClients: 3, now: clock.now });
    for (const client of ['a', 'b', 'c']) for (let i = 0; i < 10; i++) limiter.take(client);
    // `a` seen again: `b` is now the least recently seen.
    clock.advance(1);
    expect(limiter.take('a').allowed).toBe(false);
    limiter.take('d');
    expect(limiter.size()).toBe(3);
    // `a` and `c` kept their empty buckets; `b` was forgotten and starts full.
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('c').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  test('Between two sweeps a new client evicts the least recently seen one, even when others have refilled: no scan per request', () => {
    const clock = manualClock();
    // A token comes back in 10 ms.
    const limiter = createRateLimiter({ ratePerS: 100, burst: 2, maxClients: 3, now: clock.now, sweepIntervalMs: 1000 });
    for (const client of ['a', 'b', 'c']) limiter.take(client);
    clock.advance(20);
    // Full table, all three refilled: the sweep drops them all.
    limiter.take('d');
    expect(limiter.size()).toBe(1);
    limiter.take('e');
    limiter.take('f');
    clock.advance(20);
    // Full again and all refilled, but the last sweep was 20 ms ago: only the oldest (d) goes.
    limiter.take('g');
    expect(limiter.size()).toBe(3);
    clock.advance(1000);
    // A second later a sweep may run again: e, f and g go.
    limiter.take('h');
    expect(limiter.size()).toBe(1);
  });
});

describe('Which client a request counts against', () => {
  test.each([
    ['127.0.0.1', '127.0.0.1'],
    ['10.1.2.3', '10.1.2.3'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:192.0.2.7', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s → %s', (address, key) => {
    expect(clientKey(address)).toBe(key);
  });

  test('Every address of one /64 is one client; the next /64 is another', () => {
    const keys = new Set(['2001:db8:0:7::1', '2001:db8:0:7::2', '2001:db8:0:7:abcd::9'].map(clientKey));
    expect(keys.size).toBe(1);
    expect(clientKey('2001:db8:0:8::1')).not.toBe(clientKey('2001:db8:0:7::1'));
  });
});
