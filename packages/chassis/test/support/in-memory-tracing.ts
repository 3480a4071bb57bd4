import { context, propagation, trace } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { defaultOtelEnvironment } from '../../src/telemetry/config.js';

/** Tracing started inside the test process, keeping finished spans in memory. */
export interface InMemoryTracing {
  /** Every span finished so far. */
  spans(): ReadableSpan[];
  reset(): void;
  stop(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK in this process (context manager, W3C propagation, the given
 * instrumentations) with an in-memory exporter, the way the preload starts it in a service.
 */
export function startInMemoryTracing(instrumentations: Instrumentation[] = []): InMemoryTracing {
  defaultOtelEnvironment();
  const exporter = new InMemorySpanExporter();
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': 'test-service', 'service.instance.id': 'test:1' }),
    autoDetectResources: false,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    instrumentations,
  });
  sdk.start();
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    stop: async () => {
      await sdk.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
