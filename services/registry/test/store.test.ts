import { describe, expect, test } from 'vitest';
import { createRegistryStore } from '../src/domain/store.js';
import { parseAllowedHosts } from '../src/domain/allowed-hosts.js';

describe('Registry store', () => {
  const clock = () => {
    let time = Date.parse('2025-01-01T00:00:00.000Z');
    return { now: () => new Date(time), advance: (ms: number) => (time += ms) };
  };

  test('When more than 100 events happen, then the latest 100 are kept, newest first', () => {
    const { now, advance } = clock();
    const store = createRegistryStore({ now, ttlMs: 5000, failuresToEvict: 2 });
    for (let i = 0; i < 130; i++) {
      advance(1);
      store.upsert('user-service', `u${i}`, { host: '127.0.0.1', port: 5001 });
    }
    const events = store.events();
    expect(events).toHaveLength(100);
    expect(events[0]?.instance_id).toBe('u129');
    expect(events[99]?.instance_id).toBe('u30');
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort().reverse());
  });

  test('When the TTL passes without a heartbeat, then expire evicts it, and a heartbeat just before keeps it', () => {
    const { now, advance } = clock();
    const events: string[] = [];
    const store = createRegistryStore({ now, ttlMs: 1000, failuresToEvict: 2, onEvent: (e) => events.push(`${e.instance_id} ${e.kind}`) });
    store.upsert('s', 'a', { host: '127.0.0.1', port: 1 });
    store.upsert('s', 'b', { host: '127.0.0.1', port: 2 });
    advance(999);
    store.upsert('s', 'b', { host: '127.0.0.1', port: 2 });
    expect(store.expire()).toBe(0);
    advance(1);
    expect(store.expire()).toBe(1);
    expect(store.instances('s', 'all').map((i) => i.instance_id)).toEqual(['b']);
    expect(events).toEqual(['a registered', 'b registered', 'a evicted']);
  });

  test('When a check result arrives for an address the instance has left, then it is ignored', () => {
    const { now } = clock();
    const store = createRegistryStore({ now, ttlMs: 1000, failuresToEvict: 1 });
    store.upsert('s', 'a', { host: '127.0.0.1', port: 1 });
    const old = store.target('s', 'a');
    store.upsert('s', 'a', { host: '127.0.0.1', port: 2 });
    if (!old) throw new Error('no target');
    store.recordCheck(old, { ok: false, reason: 'ECONNREFUSED' });
    expect(store.instances('s', 'all')).toMatchObject([{ port: 2, status: 'starting', consecutive_failures: 0 }]);
  });

  test('When hosts are allowed, then only those match, without case; "*" matches any', () => {
    const list = parseAllowedHosts('127.0.0.1, ::1 ,LocalHost,');
    expect(['127.0.0.1', '::1', 'localhost', 'LOCALHOST'].every((h) => list.allows(h))).toBe(true);
    expect(['127.0.0.2', '10.0.0.1', 'localhost.evil.com', ''].some((h) => list.allows(h))).toBe(false);
    expect(parseAllowedHosts('*').allows('10.1.2.3')).toBe(true);
  });
});
