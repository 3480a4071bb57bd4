import { Registry, collectDefaultMetrics } from 'prom-client';
import { currentModule } from '../modules/scope.js';

/** Every metric of the system is named `microshop_…`, process metrics included. */
export const METRIC_PREFIX = 'microshop_';

/**
 * The process's one registry: everything `GET /metrics` shows. The chassis's own metrics (HTTP
 * server, outgoing calls, database queries, service info) register here when the chassis is loaded;
 * gauges added later go through `defineGauge` (see `gauges.ts`).
 */
export const metricsRegistry = new Registry();

/** The registries of the modules of a modular monolith, by module name (see `inModule`). */
const moduleRegistries = new Map<string, Registry>();

/**
 * The registry the current work reports to: the process's, or in a modular monolith the current
 * module's own, so that each module's `GET /metrics` shows its own traffic as a process would.
 */
export function registryOf(module: string | undefined = currentModule()): Registry {
  if (module === undefined) return metricsRegistry;
  let registry = moduleRegistries.get(module);
  if (!registry) {
    registry = new Registry();
    moduleRegistries.set(module, registry);
  }
  return registry;
}

/**
 * A set of metrics created once per registry: the process's at once, a module's the first time work
 * of that module uses it. Call the returned function where the metric is updated.
 *
 * @example
 * const cacheMetrics = perRegistry((registry) => ({ hits: new Counter({ name: 'microshop_cache_hits_total', help: '…', registers: [registry] }) }))
 * cacheMetrics().hits.inc()
 */
export function perRegistry<T>(create: (registry: Registry) => T): () => T {
  const processSet = create(metricsRegistry);
  const moduleSets = new Map<string, T>();
  return () => {
    const module = currentModule();
    if (module === undefined) return processSet;
    let set = moduleSets.get(module);
    if (!set) {
      set = create(registryOf(module));
      moduleSets.set(module, set);
    }
    return set;
  };
}

const isProcessMetric = (name: string) => name.startsWith(`${METRIC_PREFIX}process_`) || name.startsWith(`${METRIC_PREFIX}nodejs_`);

/**
 * What `GET /metrics` serves, in the Prometheus text format: the process's registry; in a modular
 * monolith, the current module's registry plus the process metrics (CPU, memory, event loop), which
 * every module of the process shares.
 */
export async function metricsText(): Promise<string> {
  const module = currentModule();
  if (module === undefined) return metricsRegistry.metrics();
  const own = await registryOf(module).metrics();
  const shared = await Promise.all(metricsRegistry.getMetricsAsArray().filter((metric) => isProcessMetric(metric.name)).map((metric) => metricsRegistry.getSingleMetricAsString(metric.name)));
  return [own.trimEnd(), ...shared.map((text) => text.trimEnd())].filter((text) => text.length > 0).join('\n') + '\n';
}

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
