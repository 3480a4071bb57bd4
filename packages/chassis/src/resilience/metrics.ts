import { Counter } from 'prom-client';
import type { BreakerState } from '@microshop/contracts';
import { defineGauge } from '../metrics/gauges.js';
import { METRIC_PREFIX, metricsRegistry } from '../metrics/registry.js';

/** The gauge value of each breaker state. */
export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** `microshop_circuit_breaker_state{target}`: 0 closed, 1 half-open, 2 open. */
export const breakerStateGauge = defineGauge({
  name: 'circuit_breaker_state',
  help: 'Circuit breaker per neighbour: 0 closed, 1 half-open, 2 open',
  labelNames: ['target'] as const,
});

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = metricsRegistry.getSingleMetric(`${METRIC_PREFIX}${name}`);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name: `${METRIC_PREFIX}${name}`, help, labelNames, registers: [metricsRegistry] });
}

/** `microshop_circuit_breaker_transitions_total{target, to}`. */
export const breakerTransitions = counter('circuit_breaker_transitions_total', 'Circuit breaker state changes, by neighbour and the state entered', ['target', 'to'] as const);

/** `microshop_http_client_retries_total{target}`: retries actually sent. */
export const clientRetries = counter('http_client_retries_total', 'Retries of calls to other services, by target service', ['target'] as const);

/** `microshop_http_client_rejected_total{target, reason}`: calls refused locally (breaker open, bulkhead full, retry budget spent). */
export const clientRejected = counter(
  'http_client_rejected_total',
  'Calls or retries to other services not sent: breaker_open, bulkhead_full, retry_budget (a retry denied)',
  ['target', 'reason'] as const,
);
