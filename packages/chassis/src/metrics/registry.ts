import { Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric of the system is named `microshop_…`, process metrics included. */
export const METRIC_PREFIX = 'microshop_';

/**
 * The process's one registry: everything `GET /metrics` shows. The chassis's own metrics (HTTP
 * server, outgoing calls, database queries, service info) register here when the chassis is loaded;
 * gauges added later go through `defineGauge` (see `gauges.ts`).
 */
export const metricsRegistry = new Registry();

/** Upper bounds, in seconds, of the latency histograms of HTTP requests and calls: 1 ms to 10 s. */
export const LATENCY_BUCKETS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Gauges prom-client names `…_total` although they are not counters (Prometheus' own linter,
 * `promtool check metrics`, refuses them): their values are the sums of `microshop_nodejs_active_handles`,
 * `…_requests` and `…_resources`, which stay.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

let processMetricsOn = false;

/**
 * Turns on prom-client's process metrics in the registry, once per process: CPU, resident and heap
 * memory, event-loop lag, GC pauses, open handles, start time (`microshop_process_*`, `microshop_nodejs_*`).
 */
export function collectProcessMetrics(): void {
  if (processMetricsOn) return;
  processMetricsOn = true;
  collectDefaultMetrics({ register: metricsRegistry, prefix: METRIC_PREFIX });
  for (const name of MISNAMED_DEFAULTS) metricsRegistry.removeSingleMetric(`${METRIC_PREFIX}${name}`);
}
