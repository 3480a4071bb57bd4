import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AppError } from '../src/errors.js';
import { inProcessResolver } from '../src/modules/in-process.js';
import { createServer, type App } from '../src/server.js';
import { createServiceClient } from '../src/service-client.js';
import type { InMemoryTracing } from './support/in-memory-tracing.js';
import { startTracedServer, type TracedServer } from './support/traced-server.js';

/** A service with a route with a parameter, one that refuses its input and one that fails. */
async function buildApp(): Promise<App> {
  const app = await createServer({ name: 'things', logLevel: false, docs: false });
  app.get('/api/things/:id', { schema: { params: Type.Object({ id: Type.Integer() }) } }, async (request) => ({ id: request.params.id }));
  app.get('/api/refused', async () => {
    throw AppError.invalid('colour', 'must be red');
  });
  return app;
}

describe('Server spans: one per request, named after its route', () => {
  let server: TracedServer;
  let tracing: InMemoryTracing;

  beforeAll(async () => {
    server = await startTracedServer(buildApp);
    tracing = server.tracing;
  });
  afterAll(async () => {
    await server.close();
  });

  /** Sends one request, then returns its answer and the spans of its trace, once its server span has ended. */
  const traced = async (path: string) => {
    tracing.reset();
    const response = await fetch(`${server.url}${path}`);
    return { response, spans: await server.spansOf(response.headers.get('x-trace-id') ?? '') };
  };

  test('When a route with a parameter answers, then its request has a single span, the server span, named and tagged with the route', async () => {
    const { response, spans } = await traced('/api/things/7');
    expect(response.status).toBe(200);
    expect(spans.map((s) => [s.name, s.kind])).toEqual([['GET /api/things/:id', SpanKind.SERVER]]);
    expect(spans[0]?.attributes['http.route']).toBe('/api/things/:id');
  });

  test('When a handler throws a problem, then the server span records the exception and has an error status, though the answer is a 400', async () => {
    const { response, spans } = await traced('/api/refused');
    expect(response.status).toBe(400);
    expect(spans).toHaveLength(1);
    const [server] = spans;
    expect(server?.name).toBe('GET /api/refused');
    expect(server?.events.map((e) => e.name)).toEqual(['exception']);
    expect(server?.status.code).toBe(SpanStatusCode.ERROR);
  });

  test('When a module of the same process is called in-process, then the callee gets the server span an HTTP call would give it, child of the call', async () => {
    const callee = await buildApp();
    await callee.ready();
    const client = createServiceClient({ service: 'things', resolver: inProcessResolver('things', () => callee), timeoutMs: 2000 });
    tracing.reset();
    const traceId = await trace.getTracer('test').startActiveSpan('caller', async (span) => {
      await client.call({ path: '/api/things/3' });
      span.end();
      return span.spanContext().traceId;
    });
    await client.close();
    await callee.close();
    const spans = tracing.spans().filter((s) => s.spanContext().traceId === traceId);
    const call = spans.find((s) => s.kind === SpanKind.CLIENT);
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(call?.name).toBe('GET /api/things/3');
    expect(server).toBeDefined();
    expect(server?.name).toBe('GET /api/things/:id');
    expect(server?.attributes).toMatchObject({ 'http.route': '/api/things/:id', 'http.response.status_code': 200, 'microshop.transport': 'in-process' });
    expect(server?.parentSpanContext?.spanId).toBe(call?.spanContext().spanId);
  });
});
