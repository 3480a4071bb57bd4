import { trace } from '@opentelemetry/api';
import { startFakeService, type FakeService } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServiceClient } from '../src/service-client.js';
import { undiciInstrumentation } from '../src/telemetry/sdk.js';
import { startInMemoryTracing, type InMemoryTracing } from './support/in-memory-tracing.js';

describe('Calls to other services, traced', () => {
  let tracing: InMemoryTracing;
  let items: FakeService;

  beforeAll(async () => {
    tracing = startInMemoryTracing([undiciInstrumentation()]);
    items = await startFakeService();
    items.on('GET', '/api/items/:id', async (_call, { id }) => ({ body: { id: Number(id) }, delayMs: 40 }));
  });
  afterAll(async () => {
    await items.close();
    await tracing.stop();
  });

  test('When more calls are made at once than the pool has connections, then each call is still the child of its own caller and sends its own traceparent', async () => {
    const client = createServiceClient({ service: 'item-service', baseUrl: items.url, timeoutMs: 5000, connections: 2 });
    const tracer = trace.getTracer('test');
    const callers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        tracer.startActiveSpan(`caller-${i}`, async (span) => {
          await client.call({ path: `/api/items/${i}` });
          span.end();
          return span.spanContext().spanId;
        }),
      ),
    );
    await client.close();

    const calls = tracing.spans().filter((s) => s.instrumentationScope.name.includes('undici'));
    expect(calls).toHaveLength(8);
    for (const [i, callerId] of callers.entries()) {
      const call = calls.find((s) => s.name === `GET /api/items/${i}`);
      expect(call?.parentSpanContext?.spanId, `parent of call ${i}`).toBe(callerId);
      expect(call?.attributes['peer.service']).toBe('item-service');
      const received = items.calls.find((c) => c.path === `/api/items/${i}`);
      expect(received?.headers.traceparent).toBe(`00-${call?.spanContext().traceId}-${call?.spanContext().spanId}-01`);
    }
  });

  test('When a health check is called, then it makes no span', async () => {
    tracing.reset();
    const client = createServiceClient({ service: 'item-service', baseUrl: items.url, timeoutMs: 2000 });
    await trace.getTracer('test').startActiveSpan('caller', async (span) => {
      await client.call({ path: '/health' });
      span.end();
    });
    await client.close();
    expect(tracing.spans().map((s) => s.name)).toEqual(['caller']);
  });
});
