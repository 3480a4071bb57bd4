/**
 * Metrics: one Prometheus registry per process, served at `GET /metrics`. What the chassis measures
 * by itself: requests per route (`http-server-metrics.ts`), calls to other services
 * (`client-metrics.ts`), database queries (`query-metrics.ts`) and the process; what a later part
 * adds goes through `defineGauge` (`gauges.ts`). Every name is listed in docs/observability.md.
 */
export * from './client-metrics.js';
export * from './exposition.js';
export * from './gauges.js';
export * from './http-server-metrics.js';
export * from './query-metrics.js';
export * from './registry.js';
export * from './instance-metrics.js';
