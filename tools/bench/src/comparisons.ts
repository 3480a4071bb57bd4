import { injectFault, setResilience } from './admin.js';
import type { BenchSystem } from './system.js';

/** One configuration of the system under measurement. */
export interface Variant {
  name: string;
  env: Record<string, string>;
  /** Extra `npm start` arguments (e.g. `--replicas order-service=2`). */
  args?: readonly string[];
  /** Runs on the started system after the scenario's data exists, before the warm-up (faults, switches). */
  setup?: (system: BenchSystem) => Promise<void>;
}

/** The latency the resilience comparison adds to every Product service request, in milliseconds. */
export const SLOW_PRODUCT_MS = 3000;

/** Configurations measured side by side, in alternation, in one run. */
export interface Comparison {
  name: string;
  description: string;
  /** The first is the baseline the others are compared with. */
  variants: readonly [Variant, Variant, ...Variant[]];
}

/** The comparisons `npm run bench -- --compare NAME` knows. */
export const COMPARISONS: Record<string, Comparison> = {
  tracing: {
    name: 'tracing',
    description:
      'OpenTelemetry off (OTEL_SDK_DISABLED=true), on with every trace kept and exported to the gateway, and on with 10 % of traces kept (parent-based ratio sampler)',
    variants: [
      { name: 'tracing off', env: { OTEL_SDK_DISABLED: 'true' } },
      { name: 'tracing on, all traces', env: {} },
      { name: 'tracing on, 10 % sampled', env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' } },
    ],
  },
  logging: {
    name: 'logging',
    description:
      'Logging off (LOG_LEVEL=silent) and at info level, the default: one JSON line per request in every process, with its trace, written in batches to standard output',
    variants: [
      { name: 'logging off', env: { LOG_LEVEL: 'silent' } },
      { name: 'logging at info', env: { LOG_LEVEL: 'info' } },
    ],
  },
  replicas: {
    name: 'replicas',
    description:
      'The Order service as 1, 2 and 3 replicas (`npm start -- --replicas order-service=N`), every other service as one; the gateway balances order creation across the Order instances (least outstanding requests)',
    variants: [
      { name: '1 Order instance', env: {} },
      { name: '2 Order instances', env: {}, args: ['--replicas', 'order-service=2'] },
      { name: '3 Order instances', env: {}, args: ['--replicas', 'order-service=3'] },
    ],
  },
  bulkheads: {
    name: 'bulkheads',
    description:
      'Each caller\'s bulkhead fixed at 32 calls in flight per neighbour (BULKHEAD_MIN_CONCURRENT=32, the maximum), and adaptive, the default: cut by a quarter when answers come later than a quarter of the first-byte timeout, grown back while they come in time, never below 4. Meant for a load the system cannot keep up with: --scenario pay-order --connections 50',
    variants: [
      { name: 'fixed at 32', env: { BULKHEAD_MIN_CONCURRENT: '32' } },
      { name: 'adaptive, 4 to 32', env: {} },
    ],
  },
  resilience: {
    name: 'resilience',
    description: `No fault; then the Product service slowed by ${SLOW_PRODUCT_MS} ms (admin API chaos) with timeouts, retries, breakers and bulkheads switched off in the gateway and every service; then the same fault with them on`,
    variants: [
      { name: 'no fault', env: {} },
      {
        name: 'product slow, resilience off',
        env: {},
        setup: async (system) => {
          await setResilience(system, { timeouts: false, retries: false, breakers: false, bulkheads: false });
          await injectFault(system, 'product-service', { latency_ms: SLOW_PRODUCT_MS, expires_in_s: 600 });
        },
      },
      {
        name: 'product slow, resilience on',
        env: {},
        setup: async (system) => {
          await setResilience(system, { timeouts: true, retries: true, breakers: true, bulkheads: true });
          await injectFault(system, 'product-service', { latency_ms: SLOW_PRODUCT_MS, expires_in_s: 600 });
        },
      },
    ],
  },
};
