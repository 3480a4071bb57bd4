import { parseExposition } from '@microshop/chassis';
import { describe, expect, test } from 'vitest';
import { readSnapshot } from '../src/domain/overview/snapshot.js';

describe('Breaker states and bulkhead limits in the overview', () => {
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

  test('When a process exposes microshop_http_client_concurrency_limit, then its snapshot has each neighbour\'s limit; without it, none', () => {
    const text = [
      '# TYPE microshop_http_client_concurrency_limit gauge',
      'microshop_http_client_concurrency_limit{target="user-service"} 32',
      'microshop_http_client_concurrency_limit{target="product-service"} 7',
      '',
    ].join('\n');
    expect(readSnapshot(parseExposition(text)).limits).toEqual({ 'user-service': 32, 'product-service': 7 });
    expect(readSnapshot(parseExposition('microshop_service_info{service="x",version="1",pid="1"} 1\n')).limits).toEqual({});
  });
});
