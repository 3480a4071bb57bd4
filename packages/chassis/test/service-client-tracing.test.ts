import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { startFakeService, type FakeService } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServiceClient } from '../src/service-client.js';
import { callDestination } from '../src/telemetry/client-spans.js';
import { startInMemoryTracing, type InMemoryTracing } from './support/in-memory-tracing.js';

/** A port nothing listens on: a call to it is refused. */
const CLOSED_URL = 'http://127.0.0.1:9';

describe('Calls to other services, traced', () => {
  let tracing: InMemoryTracing;
  let items: FakeService;

  beforeAll(async () => {
    tracing = startInMemoryTracing({ clientSpans: true });
    items = await startFakeService();
    items.on('GET', '/api/items/:id', async (_call, { id }) => ({ body: { id: Number(id) }, delayMs: 40 }));
    items.on('GET', '/api/missing', async () => ({ status: 404, body: { title: 'Not found' } }));
    items.on('POST', '/api/broken', async () => ({ status: 500, body: { title: 'Broken' } }));
  });
  afterAll(async () => {
    await items.close();
    await tracing.stop();
  });

  /** Runs `work` inside a span `caller`, then returns the spans the calls made (the client's, by scope). */
  const callsMadeBy = async (work: () => Promise<unknown>) => {
    tracing.reset();
    const callerId = await trace.getTracer('test').startActiveSpan('caller', async (span) => {
      await work().catch(() => undefined);
      span.end();
      return span.spanContext().spanId;
    });
    return { callerId, calls: tracing.spans().filter((s) => s.instrumentationScope.name === '@microshop/chassis/client') };
  };

  test('When more calls are made at once than the pool has connections, then each call is still the child of its own caller and sends its own traceparent', async () => {
    tracing.reset();
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

    const calls = tracing.spans().filter((s) => s.instrumentationScope.name === '@microshop/chassis/client');
    expect(calls).toHaveLength(8);
    for (const [i, callerId] of callers.entries()) {
      const call = calls.find((s) => s.name === `GET /api/items/${i}`);
      expect(call?.kind).toBe(SpanKind.CLIENT);
      expect(call?.parentSpanContext?.spanId, `parent of call ${i}`).toBe(callerId);
      expect(call?.attributes['peer.service']).toBe('item-service');
      const received = items.calls.find((c) => c.path === `/api/items/${i}`);
      expect(received?.headers.traceparent).toBe(`00-${call?.spanContext().traceId}-${call?.spanContext().spanId}-01`);
    }
  });

  test('When a call is answered, then its span carries the HTTP client attributes: method, full URL, path, query, server, status code', async () => {
    const client = createServiceClient({ service: 'item-service', baseUrl: items.url, timeoutMs: 2000 });
    const { calls } = await callsMadeBy(() => client.call({ path: '/api/items/5', query: { fields: 'id' } }));
    await client.close();
    const port = Number(new URL(items.url).port);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe('GET /api/items/5');
    expect(calls[0]?.attributes).toEqual({
      'http.request.method': 'GET',
      'url.full': `${items.url}/api/items/5?fields=id`,
      'url.path': '/api/items/5',
      'url.query': 'fields=id',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'server.port': port,
      'peer.service': 'item-service',
      'http.response.status_code': 200,
    });
    expect(calls[0]?.status.code).toBe(SpanStatusCode.UNSET);
    // The span lasts until the answer has been read: the fake holds it back 40 ms.
    const [seconds = 0, nanos = 0] = calls[0]?.duration ?? [];
    expect(seconds * 1000 + nanos / 1e6).toBeGreaterThanOrEqual(35);
  });

  test('When a call is answered 404 or 500, then its span has an error status and the status code, as HTTP semantic conventions ask of a client span', async () => {
    const client = createServiceClient({ service: 'item-service', baseUrl: items.url, timeoutMs: 2000 });
    const { calls } = await callsMadeBy(async () => {
      await client.call({ path: '/api/missing' });
      await client.call({ method: 'POST', path: '/api/broken', body: {}, passServerErrors: true });
    });
    await client.close();
    expect(calls.map((s) => [s.name, s.attributes['http.response.status_code'], s.status.code])).toEqual([
      ['GET /api/missing', 404, SpanStatusCode.ERROR],
      ['POST /api/broken', 500, SpanStatusCode.ERROR],
    ]);
  });

  test('When a call is refused, then its span records the exception, its error type and an error status', async () => {
    const client = createServiceClient({ service: 'gone-service', baseUrl: CLOSED_URL, timeoutMs: 2000 });
    const { calls } = await callsMadeBy(() => client.call({ path: '/api/items/1' }));
    await client.close();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.attributes['error.type']).toBe('ECONNREFUSED');
    expect(calls[0]?.attributes['http.response.status_code']).toBeUndefined();
    expect(calls[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(calls[0]?.events.map((e) => e.name)).toEqual(['exception']);
  });

  test('When a call times out, then its span ends then, with the timeout as its failure', async () => {
    items.on('GET', '/api/slow', async () => ({ body: {}, delayMs: 1000 }));
    const client = createServiceClient({ service: 'item-service', baseUrl: items.url, timeoutMs: 100 });
    const { calls } = await callsMadeBy(() => client.call({ path: '/api/slow' }));
    await client.close();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.attributes['error.type']).toBe('TimeoutError');
    expect(calls[0]?.status.code).toBe(SpanStatusCode.ERROR);
    const [seconds = 0, nanos = 0] = calls[0]?.duration ?? [];
    expect(seconds * 1000 + nanos / 1e6).toBeLessThan(900);
  });

  test('When a health check is called, then it makes no span and sends no traceparent', async () => {
    const client = createServiceClient({ service: 'item-service', baseUrl: items.url, timeoutMs: 2000 });
    const { calls } = await callsMadeBy(() => client.call({ path: '/health' }));
    await client.close();
    expect(calls).toEqual([]);
    expect(items.calls.filter((c) => c.path === '/health').at(-1)?.headers.traceparent).toBeUndefined();
  });
});

describe('Calls to other services, untraced', () => {
  test('When tracing is not started, then a call makes no span and sends no traceparent', async () => {
    const items = await startFakeService();
    items.on('GET', '/api/items/:id', async () => ({ body: {} }));
    const tracing = startInMemoryTracing({ clientSpans: false });
    const client = createServiceClient({ service: 'item-service', baseUrl: items.url, timeoutMs: 2000 });
    await trace.getTracer('test').startActiveSpan('caller', async (span) => {
      await client.call({ path: '/api/items/1' });
      span.end();
    });
    await client.close();
    await items.close();
    const spans = tracing.spans().map((s) => s.name);
    await tracing.stop();
    expect(spans).toEqual(['caller']);
    expect(items.calls[0]?.headers.traceparent).toBeUndefined();
  });
});

describe('Where a call goes, as its span says', () => {
  test('When the instance URL is HTTP, IPv6 or in-process, then its origin, and its scheme, address and port over HTTP, are worked out once', () => {
    expect(callDestination('http://127.0.0.1:5002')).toEqual({ origin: 'http://127.0.0.1:5002', server: { scheme: 'http', address: '127.0.0.1', port: 5002 } });
    expect(callDestination('http://[::1]:5002/')).toEqual({ origin: 'http://[::1]:5002', server: { scheme: 'http', address: '::1', port: 5002 } });
    expect(callDestination('http://product-service')).toEqual({ origin: 'http://product-service', server: { scheme: 'http', address: 'product-service', port: 80 } });
    expect(callDestination('inproc://product-service')).toEqual({ origin: 'inproc://product-service' });
  });
});
