import { parseExposition } from '@microshop/chassis';
import { describe, expect, test } from 'vitest';
import { readSnapshot } from '../src/domain/overview/snapshot.js';

describe('Breaker states in the overview', () => {
  test('When a process exposes microshop_circuit_breaker_state, then its snapshot names each neighbour\'s state', () => {
    const text = [
      '# HELP microshop_circuit_breaker_state Circuit breaker per neighbour: 0 closed, 1 half-open, 2 open',
      '# TYPE microshop_circuit_breaker_state gauge',
      'microshop_circuit_breaker_state{target="user-service"} 0',
      'microshop_circuit_breaker_state{target="product-service"} 2',
      'microshop_circuit_breaker_state{target="payment-service"} 1',
      '',
    ].join('\n');
    expect(readSnapshot(parseExposition(text)).breakers).toEqual({ 'user-service': 'closed', 'product-service': 'open', 'payment-service': 'half-open' });
  });

  test('When a process has no breaker, then its snapshot has none', () => {
    expect(readSnapshot(parseExposition('microshop_service_info{service="x",version="1",pid="1"} 1\n')).breakers).toEqual({});
  });
});
