/**
 * Tracing for a bare reference process, preloaded when the suite measures `bare-chain-traced`:
 *
 *   node --import ./tools/bench/dist/bare/tracing.js tools/bench/dist/bare/main.js <role>
 *
 * OpenTelemetry's Node SDK set up as its documentation shows, and nothing of Microshop: the http and
 * undici instrumentations (a server span per request, a client span per call, the trace context
 * passed on), every span kept, and a batch processor exporting OTLP/JSON over HTTP to the bare
 * gateway's `/v1/traces` (`BARE_TRACES_URL`), which parses each batch and drops it. What tracing
 * every request costs any Node service with the standard SDK: the floor Microshop's tracing is
 * held to. Loaded before the main module, so that fastify's `require('node:http')` is patched.
 *
 * `BARE_TRACING` takes it apart, to see what each part costs (tools/bench/profile/bare-tracing.mjs):
 * - `context`: only OpenTelemetry's context manager (AsyncLocalStorage), no SDK, no instrumentation;
 * - `unsampled`: the SDK and both instrumentations, but a sampler that keeps no span;
 * - `recorded`: every span kept, none exported;
 * - `exported` (the default): everything above, and the export.
 */
import process from 'node:process';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { AlwaysOffSampler, BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** How much of tracing a bare process runs. */
export const TRACING_PARTS = ['context', 'unsampled', 'recorded', 'exported'] as const;
export type TracingParts = (typeof TRACING_PARTS)[number];

/** Health checks and the span exports themselves are not traced (as in Microshop). */
const untraced = (path: string | undefined) => path === '/health' || path?.startsWith('/v1/traces') === true;

const parts = TRACING_PARTS.find((name) => name === process.env.BARE_TRACING) ?? 'exported';
// Traces only, as in Microshop: unset, the SDK also starts OTLP metrics (a histogram recorded per
// request by the http instrumentation) and logs.
process.env.OTEL_METRICS_EXPORTER ??= 'none';
process.env.OTEL_LOGS_EXPORTER ??= 'none';
if (parts === 'context') {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
} else {
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': `bare-${process.argv[2] ?? 'node'}` }),
    autoDetectResources: false,
    ...(parts === 'unsampled' ? { sampler: new AlwaysOffSampler() } : {}),
    spanProcessors: [
      parts === 'exported' ? new BatchSpanProcessor(new OTLPTraceExporter({ url: process.env.BARE_TRACES_URL ?? 'http://127.0.0.1:5000/v1/traces' })) : new NoopSpanProcessor(),
    ],
    instrumentations: [new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => untraced(request.url) }), new UndiciInstrumentation()],
  });
  sdk.start();
}
