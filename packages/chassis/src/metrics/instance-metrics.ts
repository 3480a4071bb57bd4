import { Counter } from 'prom-client';
import { METRIC_PREFIX, perRegistry } from './registry.js';

/**
 * How a client spreads its load: calls to each instance of a neighbour, by outcome (`calls`), and
 * the instances it left out for a while after consecutive failures (`ejections`, passive health).
 */
export const instanceMetrics = perRegistry((registry) => ({
  calls: new Counter({
    name: `${METRIC_PREFIX}http_client_instance_requests_total`,
    help: 'Calls to each instance of another service as the client balanced them, by target service, instance and outcome (ok, timeout, unreachable, server_error)',
    labelNames: ['target', 'instance', 'outcome'] as const,
    registers: [registry],
  }),
  ejections: new Counter({
    name: `${METRIC_PREFIX}http_client_instance_ejections_total`,
    help: 'Times a client ejected an instance of another service after consecutive failures, by target service and instance',
    labelNames: ['target', 'instance'] as const,
    registers: [registry],
  }),
}));
