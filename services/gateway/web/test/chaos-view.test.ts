import type { ChaosState, GatewayHealth } from '@microshop/contracts';
import { describe, expect, test } from 'vitest';
import { describeChaos } from '../src/pages/architecture/chaos-panel';
import { describeBulkhead } from '../src/pages/architecture/resilience-switches';
import { breakerOf, buildModel, EMPTY_MEMORY } from '../src/pages/architecture/model';

const up = (port: number) => ({ status: 'ok' as const, url: `http://127.0.0.1:${port}`, pid: port, uptime_s: 1, latency_ms: 1 });
const health: GatewayHealth = {
  status: 'ok',
  service: 'gateway',
  version: '0.1.0',
  pid: 1,
  uptime_s: 1,
  breakers: { 'payment-service': 'open', 'user-service': 'closed' },
  services: {
    'user-service': up(5001),
    'product-service': up(5002),
    'order-service': { ...up(5003), breakers: { 'product-service': 'half-open' } },
    'payment-service': up(5004),
  },
};
const chaos = (over: Partial<ChaosState>): ChaosState => ({ active: true, latency_ms: 0, jitter_ms: 0, error_rate: 0, hang: false, expires_at: null, expires_in_s: 41.2, ...over });

describe('Web UI: chaos on the architecture view', () => {
  test('When the gateway and the order service report breakers, then each edge takes its caller’s breaker state and the others have none', () => {
    const { edges } = buildModel({ health, overview: undefined, gatewayReachable: true, memory: EMPTY_MEMORY, now: 0 });
    const state = (from: string, to: string) => edges.find((e) => e.from === from && e.to === to)?.breaker;
    expect(state('gateway', 'payment-service')).toBe('open');
    expect(state('gateway', 'user-service')).toBe('closed');
    expect(state('order-service', 'product-service')).toBe('half-open');
    expect(state('order-service', 'user-service')).toBeUndefined();
    expect(breakerOf(undefined, 'gateway', 'user-service')).toBeUndefined();
  });

  test('When faults are active, then they read as words with the seconds left rounded up; none reads as none', () => {
    expect(describeChaos(chaos({ latency_ms: 500, jitter_ms: 100, error_rate: 0.5 }))).toBe('latency 500±100 ms, errors 50 % · 42 s left');
    expect(describeChaos(chaos({ hang: true }))).toBe('hang · 42 s left');
    expect(describeChaos(chaos({ active: false }))).toBe('none');
    expect(describeChaos(null)).toBe('unknown (no answer)');
  });
});

describe('Web UI: bulkheads in the resilience panel', () => {
  test('When a neighbour has calls waiting, then its bulkhead reads with its limit of the maximum, the calls in flight and the waiting; none waiting says nothing of waiting', () => {
    expect(describeBulkhead('product-service', { limit: 24, in_flight: 3, queued: 1 }, 32)).toBe('product 24 of 32, 3 in flight, 1 waiting');
    expect(describeBulkhead('payment-provider', { limit: 32, in_flight: 0, queued: 0 }, 32)).toBe('payment-provider 32 of 32, 0 in flight');
  });
});
