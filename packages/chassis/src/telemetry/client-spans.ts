import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { recordFailure } from './span-outcome.js';
import { isUntracedPath } from './untraced-paths.js';

/** The tracer of outgoing calls while tracing runs in this process (`traceOutgoingCalls`); none before. */
let callTracer: Tracer | undefined;

/**
 * Gives every call of the chassis client a CLIENT span from now on (the telemetry preload calls it
 * when it starts tracing). Until then, and with tracing off, {@link startClientSpan} returns
 * nothing and costs nothing. Returns a function that stops it.
 *
 * @example
 * const stop = traceOutgoingCalls(provider.getTracer('@microshop/chassis/client'))
 */
export function traceOutgoingCalls(tracer: Tracer): () => void {
  callTracer = tracer;
  return () => {
    if (callTracer === tracer) callTracer = undefined;
  };
}

/** Where a call goes, worked out once per instance URL. */
export interface CallDestination {
  /** The instance's origin, `http://127.0.0.1:5002`, or `inproc://product-service`. */
  origin: string;
  /** `url.scheme`, `server.address` and `server.port` over HTTP; none for a module of the same process. */
  server?: { scheme: string; address: string; port: number };
}

/**
 * What a span says of an instance URL: its origin, and its scheme, address and port over HTTP; an
 * in-process module (`inproc://…`) has none (its spans say `microshop.transport: in-process`).
 *
 * @example
 * callDestination('http://127.0.0.1:5002') // { origin: 'http://127.0.0.1:5002', server: { scheme: 'http', address: '127.0.0.1', port: 5002 } }
 */
export function callDestination(url: string): CallDestination {
  const parsed = new URL(url);
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme === 'inproc') return { origin: `${parsed.protocol}//${parsed.host}` };
  const port = parsed.port === '' ? (scheme === 'https' ? 443 : 80) : Number(parsed.port);
  // `[::1]` is the address `::1`.
  return { origin: parsed.origin, server: { scheme, address: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port } };
}

/** One outgoing call's span, from the moment the request is sent until its answer has been read. */
export interface ClientSpan {
  /**
   * Sends the request with this span active: an in-process callee's SERVER span is its child, as
   * the callee's span over HTTP is through the `traceparent` header.
   */
  run<T>(send: () => T): T;
  /** Ends the span with the status code of the answer (an error status from 400 on, as HTTP semantic conventions ask of a client). */
  answered(statusCode: number): void;
  /** Ends the span with a failure: no answer, a refused connection, a timeout, a body cut short. */
  failed(error: unknown): void;
}

/** What a failure is called on a span (`error.type`): its code, else its name. */
function errorType(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

class OutgoingCallSpan implements ClientSpan {
  readonly #span: Span;
  readonly #active: Context;

  constructor(span: Span, active: Context) {
    this.#span = span;
    this.#active = active;
  }

  run<T>(send: () => T): T {
    return context.with(this.#active, send);
  }

  answered(statusCode: number): void {
    this.#span.setAttribute('http.response.status_code', statusCode);
    if (statusCode >= 400) this.#span.setStatus({ code: SpanStatusCode.ERROR });
    this.#span.end();
  }

  failed(error: unknown): void {
    this.#span.setAttribute('error.type', errorType(error));
    recordFailure(this.#span, error);
    this.#span.end();
  }
}

/** The methods the chassis client sends; any other is `_OTHER` on a span, as HTTP semantic conventions name it. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/**
 * Starts the CLIENT span of one call of the chassis client to `service`, child of the active span,
 * named `GET /api/products/2` and carrying `peer.service`, and writes its trace context into
 * `headers` (`traceparent`, and baggage if any) before the request leaves. Nothing is started for a
 * path that is never traced (health, metrics, the registry's API), inside suppressed tracing, or
 * while tracing is off: then it returns `undefined`.
 *
 * It replaces OpenTelemetry's undici instrumentation, which did this from undici's diagnostics
 * channels for every request of the process: it parsed each request's URL and headers, kept a
 * record per request in a map, and required the pool to send a queued request from its caller's
 * async context. Here the client knows the service, the instance and the path already.
 *
 * @example
 * const span = startClientSpan('product-service', 'GET', destination, '/api/products/2', headers)
 * const response = await (span ? span.run(() => pool.request(options)) : pool.request(options))
 * span?.answered(response.statusCode)
 */
export function startClientSpan(service: string, method: string, destination: CallDestination, path: string, headers: Record<string, string>): ClientSpan | undefined {
  const tracer = callTracer;
  if (tracer === undefined || isUntracedPath(path)) return undefined;
  const parent = context.active();
  if (isTracingSuppressed(parent)) return undefined;
  const queryAt = path.indexOf('?');
  const urlPath = queryAt === -1 ? path : path.slice(0, queryAt);
  const known = KNOWN_METHODS.has(method);
  const requestMethod = known ? method : '_OTHER';
  const { server } = destination;
  // One object literal of either shape: spreading the destination's attributes into the span's made
  // starting and ending a span three times as costly (docs/performance.md, "Tracing's floor").
  const attributes: Attributes = server
    ? { 'http.request.method': requestMethod, 'url.full': destination.origin + path, 'url.path': urlPath, 'url.scheme': server.scheme, 'server.address': server.address, 'server.port': server.port, 'peer.service': service }
    : { 'http.request.method': requestMethod, 'url.full': destination.origin + path, 'url.path': urlPath, 'microshop.transport': 'in-process', 'peer.service': service };
  if (!known) attributes['http.request.method_original'] = method;
  if (queryAt !== -1) attributes['url.query'] = path.slice(queryAt + 1);
  const span = tracer.startSpan(`${known ? method : 'HTTP'} ${urlPath}`, { kind: SpanKind.CLIENT, attributes }, parent);
  const active = trace.setSpan(parent, span);
  propagation.inject(active, headers);
  return new OutgoingCallSpan(span, active);
}
