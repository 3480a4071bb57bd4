import { defineGauge, METRIC_PREFIX, metricsRegistry } from '@microshop/chassis';
import type { RegistryEventKind } from '@microshop/contracts';
import { Counter } from 'prom-client';
import type { RegistryStore } from './domain/store.js';

/** The stores of the apps alive in this process (one in production; several in a test run). */
const stores = new Set<RegistryStore>();

/** `microshop_registry_instances{service,status}`: read from the store at each scrape, so it never drifts. */
defineGauge({
  name: 'registry_instances',
  help: 'Instances registered, by service and status (starting, passing, failing)',
  labelNames: ['service', 'status'] as const,
  collect(gauge) {
    gauge.reset();
    for (const store of stores) {
      for (const { service, status, count } of store.counts()) gauge.inc({ service, status }, count);
    }
  },
});

function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = metricsRegistry.getSingleMetric(`${METRIC_PREFIX}${name}`);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name: `${METRIC_PREFIX}${name}`, help, labelNames, registers: [metricsRegistry] });
}

/** `microshop_registry_events_total{kind}`: registrations, status changes, deregistrations, evictions. */
export const registryEvents = counter('registry_events_total', 'Registry events, by kind (registered, passing, failing, deregistered, evicted)', ['kind'] as const);

/** `microshop_registry_health_checks_total{service,outcome}`: outcome is ok, bad_status, timeout or unreachable. */
export const registryHealthChecks = counter(
  'registry_health_checks_total',
  'Health checks of registered instances, by service and outcome (ok, bad_status, timeout, unreachable)',
  ['service', 'outcome'] as const,
);

/** Shows a store in the instances gauge until the returned function is called (the app closing). */
export function watchStore(store: RegistryStore): () => void {
  stores.add(store);
  return () => {
    stores.delete(store);
  };
}

/** Counts one event. */
export function countEvent(kind: RegistryEventKind): void {
  registryEvents.inc({ kind });
}
