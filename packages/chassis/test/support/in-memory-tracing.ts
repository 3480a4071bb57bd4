import { context, propagation, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { traceOutgoingCalls } from '../../src/telemetry/client-spans.js';
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
  /** Client spans for the chassis client's calls, as the preload makes them. */
  clientSpans?: boolean;
}

/**
 * Starts OpenTelemetry tracing in this process (context manager, W3C propagation, and the chassis'
 * server and client spans if asked) with an in-memory exporter, the way the preload starts it in a
 * service.
 */
export function startInMemoryTracing({ serverSpans = false, clientSpans = false }: InMemoryTracingOptions = {}): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'test-service', 'service.instance.id': 'test:1' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  provider.register();
  const untraceServers = serverSpans ? traceIncomingRequests(provider.getTracer('@microshop/chassis/http')) : () => undefined;
  const untraceCalls = clientSpans ? traceOutgoingCalls(provider.getTracer('@microshop/chassis/client')) : () => undefined;
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    stop: async () => {
      untraceServers();
      untraceCalls();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
