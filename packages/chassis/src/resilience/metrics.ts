import { Counter, Gauge } from 'prom-client';
import type { BreakerState } from '@microshop/contracts';
import { METRIC_PREFIX, perRegistry } from '../metrics/registry.js';

/** The gauge value of each breaker state. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The resilience metrics of one registry (the process's, or a module's):
 * - `breakerState`: `microshop_circuit_breaker_state{target}`, 0 closed, 1 half-open, 2 open;
 * - `breakerTransitions`: `microshop_circuit_breaker_transitions_total{target, to}`;
 * - `retries`: `microshop_http_client_retries_total{target}`, retries actually sent;
 * - `rejected`: `microshop_http_client_rejected_total{target, reason}`, calls refused locally
 *   (breaker open, bulkhead full, retry budget spent);
 * - `bulkheadLimit`: `microshop_http_client_concurrency_limit{target}`, the adaptive bulkhead's limit.
 */
export const resilienceMetrics = perRegistry((registry) => ({
  breakerState: new Gauge({
    name: `${METRIC_PREFIX}circuit_breaker_state`,
    help: 'Circuit breaker per neighbour: 0 closed, 1 half-open, 2 open',
    labelNames: ['target'] as const,
    registers: [registry],
  }),
  breakerTransitions: new Counter({
    name: `${METRIC_PREFIX}circuit_breaker_transitions_total`,
    help: 'Circuit breaker state changes, by neighbour and the state entered',
    labelNames: ['target', 'to'] as const,
    registers: [registry],
  }),
  retries: new Counter({
    name: `${METRIC_PREFIX}http_client_retries_total`,
    help: 'Retries of calls to other services, by target service',
    labelNames: ['target'] as const,
    registers: [registry],
  }),
  bulkheadLimit: new Gauge({
    name: `${METRIC_PREFIX}http_client_concurrency_limit`,
    help: 'Calls in flight allowed to each neighbour now: the adaptive bulkhead, cut when answers come late, grown back while they come in time',
    labelNames: ['target'] as const,
    registers: [registry],
  }),
  rejected: new Counter({
    name: `${METRIC_PREFIX}http_client_rejected_total`,
    help: 'Calls or retries to other services not sent: breaker_open, bulkhead_full, retry_budget (a retry denied)',
    labelNames: ['target', 'reason'] as const,
    registers: [registry],
  }),
}));
