import { describe, expect, test } from 'vitest';
import { createLoadBalancer, type EjectionPolicy, type InstanceStats, type LoadBalancer, type ServiceInstance } from '../src/discovery/index.js';

const instance = (name: string): ServiceInstance => ({ id: name, url: `http://${name}:1` });
const [A, B, C] = [instance('a'), instance('b'), instance('c')] as [ServiceInstance, ServiceInstance, ServiceInstance];
const ALL = [A, B, C];
const POLICY: EjectionPolicy = { consecutiveFailures: 2, baseEjectionMs: 1000, maxEjectionMs: 2500 };

/** Picks `times` instances in a row (each call answered at once) and returns their ids. */
function picks(balancer: LoadBalancer, instances: readonly ServiceInstance[], times: number, exclude?: ReadonlySet<string>): string[] {
  const ids: string[] = [];
  for (let i = 0; i < times; i++) {
    const picked = balancer.pick(instances, exclude);
    if (!picked) throw new Error('nothing picked');
    ids.push(picked.id);
  }
  return ids;
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let at = start;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

/** A fixed, evenly spread sequence of draws, so power-of-two runs the same every time. */
function cyclingRandom(): () => number {
  let i = 0;
  return () => ((i++ * 7) % 10) / 10;
}

const counts = (ids: readonly string[]) => ids.reduce<Record<string, number>>((all, id) => ({ ...all, [id]: (all[id] ?? 0) + 1 }), {});

/** Fails `stats` n times (started then failed) and returns what the last failure returned. */
function failTimes(balancer: LoadBalancer, stats: InstanceStats, n: number): boolean {
  let ejected = false;
  for (let i = 0; i < n; i++) {
    balancer.started(stats);
    ejected = balancer.failed(stats);
  }
  return ejected;
}

const statsOf = (balancer: LoadBalancer, id: string): InstanceStats => {
  const stats = balancer.stats().find((s) => s.id === id);
  if (!stats) throw new Error(`no stats for ${id}`);
  return stats;
};

describe('Load balancer: choosing an instance', () => {
  test('When the strategy is round-robin, then the instances take turns in order', () => {
    const balancer = createLoadBalancer({ strategy: 'round-robin' });
    expect(picks(balancer, ALL, 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  test('When the strategy is round-robin, then calls in flight do not change the turns', () => {
    const balancer = createLoadBalancer({ strategy: 'round-robin' });
    const first = balancer.pick(ALL) as InstanceStats;
    for (let i = 0; i < 5; i++) balancer.started(first);
    expect(picks(balancer, ALL, 3)).toEqual(['b', 'c', 'a']);
  });

  test('When the strategy is least-outstanding and every instance is idle, then they take turns', () => {
    const balancer = createLoadBalancer({ strategy: 'least-outstanding' });
    expect(counts(picks(balancer, ALL, 30))).toEqual({ a: 10, b: 10, c: 10 });
    expect(picks(balancer, ALL, 3)).toEqual(['a', 'b', 'c']);
  });

  test('When the strategy is least-outstanding, then the instance with the fewest calls in flight is picked', () => {
    const balancer = createLoadBalancer({ strategy: 'least-outstanding' });
    balancer.pick(ALL);
    const [a, b, c] = [statsOf(balancer, 'a'), balancer.pick(ALL) as InstanceStats, balancer.pick(ALL) as InstanceStats];
    balancer.started(a);
    balancer.started(a);
    balancer.started(b);
    // c has none in flight: every pick goes to it while the others stay busy.
    expect(picks(balancer, ALL, 4)).toEqual(['c', 'c', 'c', 'c']);
    balancer.started(c);
    balancer.started(c);
    // Now b (1) has fewer than a (2) and c (2).
    expect(picks(balancer, ALL, 3)).toEqual(['b', 'b', 'b']);
    balancer.succeeded(a);
    balancer.succeeded(c);
    // a, b and c have 1 each: turns again.
    expect(counts(picks(balancer, ALL, 9))).toEqual({ a: 3, b: 3, c: 3 });
  });

  test('When a call is started and answered, then outstanding goes up and back down, never below zero', () => {
    const balancer = createLoadBalancer({ strategy: 'least-outstanding' });
    const a = balancer.pick(ALL) as InstanceStats;
    balancer.started(a);
    balancer.started(a);
    expect(statsOf(balancer, a.id).outstanding).toBe(2);
    balancer.succeeded(a);
    balancer.failed(a);
    balancer.succeeded(a);
    expect(statsOf(balancer, a.id).outstanding).toBe(0);
  });

  test('When the strategy is power-of-two, then of the two instances drawn the less busy one is picked', () => {
    // Draws: a = floor(r1 × n); b = the r2-th of the others. Here n = 3.
    let draws: number[] = [];
    const random = () => draws.shift() ?? 0;
    const balancer = createLoadBalancer({ strategy: 'power-of-two', random });
    balancer.pick(ALL); // learn the instances
    const [a, b, c] = ['a', 'b', 'c'].map((id) => statsOf(balancer, id)) as [InstanceStats, InstanceStats, InstanceStats];
    balancer.started(a);
    balancer.started(a);
    balancer.started(c);

    draws = [0, 0]; // a (2 in flight) vs b (0)
    expect(balancer.pick(ALL)?.id).toBe('b');
    draws = [0, 0.99]; // a (2) vs c (1)
    expect(balancer.pick(ALL)?.id).toBe('c');
    draws = [0.99, 0]; // c (1) vs a (2)
    expect(balancer.pick(ALL)?.id).toBe('c');
    draws = [0.5, 0.99]; // b (0) vs a (2)
    expect(balancer.pick(ALL)?.id).toBe('b');
    balancer.started(b);
    draws = [0.5, 0]; // b (1) vs c (1): a tie goes to the first drawn
    expect(balancer.pick(ALL)?.id).toBe('b');
    draws = [0.99, 0.99]; // c (1) vs b (1)
    expect(balancer.pick(ALL)?.id).toBe('c');
  });

  test('When the strategy is power-of-two, then the two instances drawn are never the same one', () => {
    const idle = new Set(['a', 'b']);
    for (const first of [0, 0.4, 0.99]) {
      for (const second of [0, 0.5, 0.99]) {
        const draws = [first, second];
        const balancer = createLoadBalancer({ strategy: 'power-of-two', random: () => draws.shift() ?? 0 });
        balancer.pick(ALL);
        for (const stats of balancer.stats()) if (!idle.has(stats.id)) balancer.started(stats);
        draws.push(first, second);
        // c is the busy one: whatever the draw, the other drawn instance is idle, so c is never picked.
        expect(balancer.pick(ALL)?.id).not.toBe('c');
      }
    }
  });

  test('When instances are in the exclude set, then they are never picked; when every one is, then nothing is', () => {
    for (const strategy of ['round-robin', 'least-outstanding', 'power-of-two'] as const) {
      const balancer = createLoadBalancer({ strategy, random: cyclingRandom() });
      expect(new Set(picks(balancer, ALL, 12, new Set([A.url])))).toEqual(new Set(['b', 'c']));
      expect(picks(balancer, ALL, 3, new Set([A.url, C.url]))).toEqual(['b', 'b', 'b']);
      expect(balancer.pick(ALL, new Set(ALL.map((i) => i.url)))).toBeUndefined();
      expect(balancer.pick([])).toBeUndefined();
    }
  });
});

describe('Load balancer: passive ejection', () => {
  test('When an instance fails fewer times in a row than the threshold, then it is not ejected', () => {
    const clock = manualClock();
    const balancer = createLoadBalancer({ strategy: 'round-robin', ejection: POLICY, now: clock.now });
    const a = balancer.pick(ALL) as InstanceStats;
    expect(failTimes(balancer, a, 1)).toBe(false);
    balancer.started(a);
    balancer.succeeded(a);
    // A success in between: the count starts again.
    expect(failTimes(balancer, a, 1)).toBe(false);
    expect(a.ejectedUntil).toBe(0);
    expect(new Set(picks(balancer, ALL, 6))).toEqual(new Set(['a', 'b', 'c']));
  });

  test('When an instance fails the threshold number of times in a row, then it is ejected for the base duration and not picked meanwhile', () => {
    const clock = manualClock();
    const balancer = createLoadBalancer({ strategy: 'round-robin', ejection: POLICY, now: clock.now });
    const a = balancer.pick(ALL) as InstanceStats;
    expect(failTimes(balancer, a, 1)).toBe(false);
    expect(failTimes(balancer, a, 1)).toBe(true);
    expect(a.ejectedUntil).toBe(clock.now() + POLICY.baseEjectionMs);
    expect(counts(picks(balancer, ALL, 10))).toEqual({ b: 5, c: 5 });
    // A further failure while ejected (a call that was already in flight) does not eject it again.
    expect(failTimes(balancer, a, 1)).toBe(false);
    expect(a.ejectedUntil).toBe(clock.now() + POLICY.baseEjectionMs);

    clock.advance(POLICY.baseEjectionMs);
    expect(picks(balancer, ALL, 6)).toContain('a');
  });

  test('When an instance keeps failing after each ejection, then each ejection lasts longer, up to the cap; a success resets it', () => {
    const clock = manualClock();
    const balancer = createLoadBalancer({ strategy: 'least-outstanding', ejection: POLICY, now: clock.now });
    balancer.pick(ALL);
    const a = statsOf(balancer, 'a');
    const durations: number[] = [];
    expect(failTimes(balancer, a, 2)).toBe(true);
    durations.push(a.ejectedUntil - clock.now());
    for (let i = 0; i < 3; i++) {
      clock.advance(a.ejectedUntil - clock.now());
      // Back in the rotation, and it fails again at once: ejected again, for longer.
      expect(failTimes(balancer, a, 1)).toBe(true);
      durations.push(a.ejectedUntil - clock.now());
    }
    expect(durations).toEqual([1000, 2000, 2500, 2500]);

    clock.advance(a.ejectedUntil - clock.now());
    balancer.started(a);
    balancer.succeeded(a);
    expect(a).toMatchObject({ consecutiveFailures: 0, ejections: 0, ejectedUntil: 0 });
    // After the success, it takes the threshold again, and the base duration.
    expect(failTimes(balancer, a, 1)).toBe(false);
    expect(failTimes(balancer, a, 1)).toBe(true);
    expect(a.ejectedUntil - clock.now()).toBe(1000);
  });

  test('When every instance is ejected, then ejection is ignored and they are still picked', () => {
    const clock = manualClock();
    for (const strategy of ['round-robin', 'least-outstanding', 'power-of-two'] as const) {
      const balancer = createLoadBalancer({ strategy, ejection: POLICY, now: clock.now, random: cyclingRandom() });
      balancer.pick(ALL);
      for (const stats of balancer.stats()) failTimes(balancer, stats, 2);
      expect(balancer.stats().every((stats) => stats.ejectedUntil > clock.now())).toBe(true);
      expect(new Set(picks(balancer, ALL, 30))).toEqual(new Set(['a', 'b', 'c']));
    }
  });

  test('When every instance but the excluded ones is ejected, then the ejected ones are still picked rather than none', () => {
    const clock = manualClock();
    const balancer = createLoadBalancer({ strategy: 'round-robin', ejection: POLICY, now: clock.now });
    balancer.pick(ALL);
    failTimes(balancer, statsOf(balancer, 'b'), 2);
    // a was tried already by this call: b, ejected, is the only one left, and it is given.
    expect(picks(balancer, [A, B], 2, new Set([A.url]))).toEqual(['b', 'b']);
    // Without the exclusion, the healthy a wins every time.
    expect(picks(balancer, [A, B], 3)).toEqual(['a', 'a', 'a']);
  });
});

describe('Load balancer: the instances it knows', () => {
  test('When instances leave the list, then retain forgets them; when they come back, then they start afresh', () => {
    const clock = manualClock();
    const balancer = createLoadBalancer({ strategy: 'least-outstanding', ejection: POLICY, now: clock.now });
    picks(balancer, ALL, 3);
    const b = statsOf(balancer, 'b');
    balancer.started(b);
    failTimes(balancer, b, 2);
    expect(balancer.stats().map((s) => s.id).sort()).toEqual(['a', 'b', 'c']);

    balancer.retain([A, C]);
    expect(balancer.stats().map((s) => s.id).sort()).toEqual(['a', 'c']);

    balancer.pick(ALL);
    expect(statsOf(balancer, 'b')).toMatchObject({ outstanding: 0, consecutiveFailures: 0, ejections: 0, ejectedUntil: 0 });
  });

  test('When two instances share an id but not a URL, then they are told apart by URL', () => {
    const balancer = createLoadBalancer({ strategy: 'round-robin' });
    const twins = [{ id: 'x', url: 'http://x:1' }, { id: 'x', url: 'http://x:2' }];
    const urls = [0, 1, 2, 3].map(() => balancer.pick(twins)?.url);
    expect(urls).toEqual(['http://x:1', 'http://x:2', 'http://x:1', 'http://x:2']);
    expect(balancer.stats()).toHaveLength(2);
  });
});
