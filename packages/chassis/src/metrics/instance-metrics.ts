import { Counter } from 'prom-client';
import { METRIC_PREFIX, metricsRegistry } from './registry.js';

/** Calls to each instance of a neighbour, by outcome: how the client spreads its load. */
export const instanceCalls = new Counter({
  name: `${METRIC_PREFIX}http_client_instance_requests_total`,
  help: 'Calls to each instance of another service as the client balanced them, by target service, instance and outcome (ok, timeout, unreachable, server_error)',
  labelNames: ['target', 'instance', 'outcome'] as const,
  registers: [metricsRegistry],
});

/** Instances the client left out for a while after consecutive failures (passive health). */
export const instanceEjections = new Counter({
  name: `${METRIC_PREFIX}http_client_instance_ejections_total`,
  help: 'Times a client ejected an instance of another service after consecutive failures, by target service and instance',
  labelNames: ['target', 'instance'] as const,
  registers: [metricsRegistry],
});
