import { errorMonitor } from 'node:events';
import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { RPCType, setRPCMetadata, suppressTracing, type RPCMetadata } from '@opentelemetry/core';
import { recordFailure } from './span-outcome.js';
import { TRACE_ID_HEADER } from './trace-context.js';
import { isUntracedPath } from './untraced-paths.js';

/** The methods HTTP semantic conventions name as they are; any other is `_OTHER`. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** The request header recorded on each server span (`http.request.header.x-request-id`), to find a request's trace from its logs. */
const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What a request says on its server span before it is handled: the HTTP semantic conventions'
 * request attributes that come without parsing (no `URL` is built for a request).
 *
 * @example
 * requestAttributes(request) // { 'http.request.method': 'GET', 'url.path': '/api/products/2', … }
 */
export function requestAttributes(request: IncomingMessage): Attributes {
  const method = request.method ?? 'GET';
  const url = request.url ?? '/';
  const queryAt = url.indexOf('?');
  const attributes: Attributes = {
    'http.request.method': KNOWN_METHODS.has(method) ? method : '_OTHER',
    'url.scheme': 'http',
    'url.path': queryAt === -1 ? url : url.slice(0, queryAt),
    'network.protocol.version': request.httpVersion,
  };
  if (!KNOWN_METHODS.has(method)) attributes['http.request.method_original'] = method;
  if (queryAt !== -1) attributes['url.query'] = url.slice(queryAt + 1);
  const host = request.headers.host;
  if (host) {
    const portAt = host.lastIndexOf(':');
    // `[::1]:5000` has its port after the bracket; `[::1]` has none.
    const hasPort = portAt !== -1 && portAt > host.lastIndexOf(']');
    attributes['server.address'] = hasPort ? host.slice(0, portAt) : host;
    if (hasPort) attributes['server.port'] = Number(host.slice(portAt + 1));
  }
  const client = request.socket.remoteAddress;
  if (client) {
    attributes['client.address'] = client;
    attributes['network.peer.address'] = client;
    attributes['network.peer.port'] = request.socket.remotePort;
  }
  const agent = request.headers['user-agent'];
  if (agent) attributes['user_agent.original'] = agent;
  const requestId = request.headers[REQUEST_ID_HEADER];
  if (typeof requestId === 'string') attributes[`http.request.header.${REQUEST_ID_HEADER}`] = [requestId];
  return attributes;
}

/**
 * Ends a server span with what the response said: its status code, its route if one was named, an
 * error status for a 5xx, or for a connection that closed before the response was sent.
 */
function endServerSpan(span: Span, name: string, route: RPCMetadata, response: ServerResponse): void {
  if (route.route !== undefined) {
    span.setAttribute('http.route', route.route);
    span.updateName(`${name} ${route.route}`);
  }
  if (!response.writableEnded) {
    span.setAttribute('error.type', 'connection_closed');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'the connection closed before the response was sent' });
  } else {
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * A SERVER span for every request the `node:http` servers of this process receive, active while
 * the request is handled: its trace context taken from the caller's `traceparent`, the trace id
 * put on the response (`x-trace-id`), and the span named after its route when the chassis server
 * names one (`nameServerSpan`). Requests to {@link isUntracedPath} paths are handled with tracing
 * suppressed, so that nothing they do (a query, a call) starts a trace.
 *
 * It does what instrumentation-http did for the chassis' servers, and no more: no `URL` is parsed,
 * no forwarded header read, no emitter bound, no metric recorded (the chassis' own histograms
 * measure requests), no hook called through a guard. Returns a function that puts
 * `Server.prototype.emit` back.
 *
 * @example
 * const stop = traceIncomingRequests(trace.getTracer('@microshop/chassis/http'))
 */
export function traceIncomingRequests(tracer: Tracer): () => void {
  const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  function tracedEmit(this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'request') return emit.call(this, event, ...args);
    const request = args[0] as IncomingMessage;
    const response = args[1] as ServerResponse;
    if (isUntracedPath(request.url)) {
      return context.with(suppressTracing(context.active()), () => emit.call(this, event, ...args));
    }
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const attributes = requestAttributes(request);
    // `GET`, or `HTTP` for a method outside the standard ones; the route is added when known.
    const name = attributes['http.request.method'] === '_OTHER' ? 'HTTP' : String(attributes['http.request.method']);
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    const route: RPCMetadata = { type: RPCType.HTTP, span };
    const active = setRPCMetadata(trace.setSpan(parent, span), route);
    response.setHeader(TRACE_ID_HEADER, span.spanContext().traceId);
    let ended = false;
    response.on('close', () => {
      if (ended) return;
      ended = true;
      endServerSpan(span, name, route, response);
    });
    response.on(errorMonitor, (error: Error) => {
      if (ended) return;
      ended = true;
      recordFailure(span, error);
      span.end();
    });
    // The request's emitters are not bound to its context, as instrumentation-http binds them for any
    // server: Fastify runs what follows the body's reading in the async scope it was started from,
    // and the response's events come from writes made inside the request, so both stay in it.
    return context.with(active, () => {
      try {
        return emit.call(this, event, ...args);
      } catch (error) {
        if (!ended) {
          ended = true;
          recordFailure(span, error);
          span.end();
        }
        throw error;
      }
    });
  }
  Server.prototype.emit = tracedEmit;
  return () => {
    if (Server.prototype.emit === tracedEmit) Server.prototype.emit = emit;
  };
}
