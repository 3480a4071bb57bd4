/** One configuration of the system under measurement. */
export interface Variant {
  name: string;
  env: Record<string, string>;
}

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
};
