import http, { Server } from 'node:http';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type App } from '../src/server.js';
import { traceIncomingRequests } from '../src/telemetry/server-spans.js';
import { currentTraceId } from '../src/telemetry/trace-context.js';
import { traced } from '../src/telemetry/traced.js';
import type { InMemoryTracing } from './support/in-memory-tracing.js';
import { startTracedServer, type TracedServer } from './support/traced-server.js';

/** The trace active in each request's `onResponse` hooks (where the chassis writes its request log line), by request id. */
const traceAtResponse = new Map<string, string | undefined>();

/** A service whose routes do traced work after reading a body, wait, fail, or answer a health check. */
async function buildApp(): Promise<App> {
  const app = await createServer({ name: 'things', logLevel: false, docs: false });
  app.addHook('onResponse', (request, _reply, done) => {
    traceAtResponse.set(request.id, currentTraceId());
    done();
  });
  app.post('/api/things', { schema: { body: Type.Object({ name: Type.String() }) } }, async (request, reply) => {
    // Runs after the body has been read: in the request's context only if its listeners were bound to it.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const name = await traced('things.store', () => Promise.resolve(request.body.name));
    return reply.status(201).send({ name });
  });
  app.get('/api/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { done: true };
  });
  app.get('/api/broken', async () => {
    throw new Error('the disk is on fire');
  });
  app.get('/health/probe', async () => ({ ok: await traced('health.step', () => Promise.resolve(true)) }));
  return app;
}

describe('Server spans made by the chassis for every node:http server', () => {
  let server: TracedServer;
  let tracing: InMemoryTracing;
  let url: string;
  let spansOf: TracedServer['spansOf'];

  beforeAll(async () => {
    server = await startTracedServer(buildApp);
    ({ tracing, url, spansOf } = server);
  });
  afterAll(async () => {
    await server.close();
  });

  test('When a caller sends its trace context and a body, then the server span continues its trace, and work done after the body was read is its child', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${url}/api/things?colour=red`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-42', 'user-agent': 'probe/1.0' },
      body: JSON.stringify({ name: 'lamp' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-trace-id')).toBe(traceId);
    const spans = await spansOf(traceId);
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    const step = spans.find((s) => s.name === 'things.store');
    expect(server?.name).toBe('POST /api/things');
    expect(server?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(step?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    const port = Number(new URL(url).port);
    expect(server?.attributes).toEqual({
      'http.request.method': 'POST',
      'url.scheme': 'http',
      'url.path': '/api/things',
      'url.query': 'colour=red',
      'network.protocol.version': '1.1',
      'server.address': '127.0.0.1',
      'server.port': port,
      'client.address': '127.0.0.1',
      'network.peer.address': '127.0.0.1',
      'network.peer.port': expect.any(Number) as number,
      'user_agent.original': 'probe/1.0',
      'http.request.header.x-request-id': ['req-42'],
      'http.route': '/api/things',
      'http.response.status_code': 201,
    });
    expect(server?.status.code).toBe(SpanStatusCode.UNSET);
  });

  test('When the body arrives after the headers, then the work done once it is read is still the child of the server span', async () => {
    tracing.reset();
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    const status = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ name: 'late lamp' });
      const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'late-body' };
      const request = http.request(`${url}/api/things`, { method: 'POST', headers }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      // The headers go now, the body in a later packet: its bytes are read outside the request's own turn.
      request.flushHeaders();
      setTimeout(() => request.end(body), 50);
    });
    expect(status).toBe(201);
    const spans = await spansOf(traceId);
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(spans.find((s) => s.name === 'things.store')?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(traceAtResponse.get('late-body')).toBe(traceId);
  });

  test('When a request comes without trace context, then it starts a trace of its own, named on the response', async () => {
    const response = await fetch(`${url}/api/slow`);
    const traceId = response.headers.get('x-trace-id') ?? '';
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const [server] = await spansOf(traceId);
    expect(server?.name).toBe('GET /api/slow');
    expect(server?.parentSpanContext).toBeUndefined();
  });

  test('When a handler fails with a 500, then the server span has an error status and the status code', async () => {
    const response = await fetch(`${url}/api/broken`);
    expect(response.status).toBe(500);
    const spans = await spansOf(response.headers.get('x-trace-id') ?? '');
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    expect(server?.attributes['http.response.status_code']).toBe(500);
    expect(server?.status.code).toBe(SpanStatusCode.ERROR);
  });

  test('When the client closes the connection before the answer, then the span still ends, as an error without a status code', async () => {
    tracing.reset();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await new Promise<void>((resolve) => {
      const request = http.get(`${url}/api/slow`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
      request.on('error', () => resolve());
      setTimeout(() => request.destroy(), 50);
    });
    const [server] = await spansOf(traceId);
    expect(server?.name).toBe('GET /api/slow');
    expect(server?.attributes['http.response.status_code']).toBeUndefined();
    expect(server?.attributes['error.type']).toBe('connection_closed');
    expect(server?.status.code).toBe(SpanStatusCode.ERROR);
  });

  test('When a health check is answered, then it makes no span at all, not even for the work it does, and no trace id is sent', async () => {
    tracing.reset();
    const response = await fetch(`${url}/health/probe`);
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.get('x-trace-id')).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(tracing.spans()).toEqual([]);
  });

  test('When a method outside the standard ones is sent, then the span is named HTTP and keeps the method it was sent with', async () => {
    tracing.reset();
    const status = await new Promise<number>((resolve, reject) => {
      http.request(`${url}/api/things`, { method: 'PROPFIND' }, (response) => resolve(response.statusCode ?? 0)).on('error', reject).end();
    });
    expect(status).toBe(404);
    for (let i = 0; i < 50 && tracing.spans().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const [server] = tracing.spans();
    expect(server?.name).toBe('HTTP');
    expect(server?.attributes).toMatchObject({ 'http.request.method': '_OTHER', 'http.request.method_original': 'PROPFIND', 'http.response.status_code': 404 });
  });

  test('When the server spans are stopped, then node:http servers are as they were', () => {
     
    const before = Server.prototype.emit;
    const stop = traceIncomingRequests(trace.getTracer('test'));
     
    expect(Server.prototype.emit).not.toBe(before);
    stop();
     
    expect(Server.prototype.emit).toBe(before);
  });
});
