import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { App } from '../../src/server.js';
import { startInMemoryTracing, type InMemoryTracing } from './in-memory-tracing.js';

/** A chassis app listening on a free port, its requests and calls traced by the chassis' spans into memory. */
export interface TracedServer {
  tracing: InMemoryTracing;
  url: string;
  /** The finished spans of one trace, once its server span has ended. */
  spansOf(traceId: string): Promise<ReadableSpan[]>;
  close(): Promise<void>;
}

/** Starts in-memory tracing with server and client spans (as the preload does), then the app `build` makes. */
export async function startTracedServer(build: () => Promise<App>): Promise<TracedServer> {
  const tracing = startInMemoryTracing({ serverSpans: true, clientSpans: true });
  const app = await build();
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    tracing,
    url,
    async spansOf(traceId) {
      for (let i = 0; i < 50; i++) {
        const spans = tracing.spans().filter((s) => s.spanContext().traceId === traceId);
        if (spans.some((s) => s.kind === SpanKind.SERVER)) return spans;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`no server span in trace ${traceId}`);
    },
    async close() {
      await app.close();
      await tracing.stop();
    },
  };
}
