import { context, propagation, trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { registerInstrumentations } from '@opentelemetry/instrumentation';

/** Tracing started inside the test process, keeping finished spans in memory. */
export interface InMemoryTracing {
  /** Every span finished so far. */
  spans(): ReadableSpan[];
  reset(): void;
  stop(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing in this process (context manager, W3C propagation, the given
 * instrumentations) with an in-memory exporter, the way the preload starts it in a service.
 */
export function startInMemoryTracing(instrumentations: Instrumentation[] = []): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'test-service', 'service.instance.id': 'test:1' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  provider.register();
  const unregister = registerInstrumentations({ tracerProvider: provider, instrumentations });
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    stop: async () => {
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
