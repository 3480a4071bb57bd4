import { context, propagation, trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { traceIncomingRequests } from '../../src/telemetry/server-spans.js';

/** Tracing started inside the test process, keeping finished spans in memory. */
export interface InMemoryTracing {
  /** Every span finished so far. */
  spans(): ReadableSpan[];
  reset(): void;
  stop(): Promise<void>;
}

export interface InMemoryTracingOptions {
  /** Server spans for this process's `node:http` servers, as the preload makes them. */
  serverSpans?: boolean;
}

/**
 * Starts OpenTelemetry tracing in this process (context manager, W3C propagation, the given
 * instrumentations, and the chassis' server spans if asked) with an in-memory exporter, the way the
 * preload starts it in a service.
 */
export function startInMemoryTracing(instrumentations: Instrumentation[] = [], { serverSpans = false }: InMemoryTracingOptions = {}): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'test-service', 'service.instance.id': 'test:1' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  provider.register();
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations });
  const untraceServers = serverSpans ? traceIncomingRequests(provider.getTracer('@microshop/chassis/http')) : () => undefined;
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    stop: async () => {
      unregister();
      untraceServers();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
