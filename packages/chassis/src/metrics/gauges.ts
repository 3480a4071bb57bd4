import { Gauge } from 'prom-client';
import { METRIC_PREFIX, registryOf } from './registry.js';

/** What a gauge is: its name without the `microshop_` prefix, its help text and its labels. */
export interface GaugeDefinition<L extends string> {
  /** Snake case, with the unit as suffix where there is one, e.g. `outbox_lag_seconds`. */
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Called at each scrape, to set the value from the current state. */
  collect?: (gauge: Gauge<L>) => void | Promise<void>;
}

/**
 * Declares a gauge on the registry of the current work (the process's, or the current module's: see
 * `registryOf`) as `microshop_<name>`; declaring the same name again
 * returns the gauge already there. This is the place for the state the later parts of the system
 * expose, each in its own module next to the code it describes:
 *
 * - `microshop_circuit_breaker_state{target}`: a circuit breaker per neighbour, 0 closed, 1 half-open, 2 open
 *   (declared in `resilience/metrics.ts`);
 * - `microshop_outbox_lag_seconds` and `microshop_outbox_pending`: age and size of the unsent outbox;
 * - `microshop_instances{service}`: the replicas a service runs as.
 *
 * @example
 * const breakerState = defineGauge({ name: 'circuit_breaker_state', help: 'Circuit breaker per neighbour: 0 closed, 1 half-open, 2 open', labelNames: ['target'] })
 * breakerState.set({ target: 'product-service' }, 2)
 */
export function defineGauge<L extends string>({ name, help, labelNames = [], collect }: GaugeDefinition<L>): Gauge<L> {
  const fullName = `${METRIC_PREFIX}${name}`;
  // The registry of the work that declares it: the process's, or a module's in a modular monolith.
  const registry = registryOf();
  const existing = registry.getSingleMetric(fullName);
  if (existing) {
    if (!(existing instanceof Gauge)) throw new Error(`${fullName} is already registered, and is not a gauge`);
    return existing as Gauge<L>;
  }
  return new Gauge<L>({
    name: fullName,
    help,
    labelNames,
    registers: [registry],
    ...(collect ? { collect(this: Gauge<L>) { return collect(this); } } : {}),
  });
}
