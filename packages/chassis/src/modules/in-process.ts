import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import { deleteRPCMetadata, RPCType, setRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import type { FastifyInstance } from 'fastify';
import type { Discovery, DiscoveryView } from '../discovery/discovery.js';
import type { Resolver, ServiceInstance } from '../discovery/instance.js';
import { endSpanAfter } from '../telemetry/span-outcome.js';
import { isUntracedPath } from '../telemetry/untraced-paths.js';
import { inModule } from './scope.js';

/** One request as the chassis client sends it: the part of undici's request options it uses. */
export interface TargetRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | null;
  /** The call's only limit, over HTTP and in-process alike: the client aborts it. */
  signal?: AbortSignal;
}

/** An answer as the chassis client reads it: the part of undici's response data it uses. */
export interface TargetResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: { text(): Promise<string> };
}

/**
 * Where the chassis client sends one instance's requests: an undici `Pool` (keep-alive sockets), or
 * an in-process target (a module of the same process, no socket at all).
 */
export interface CallTarget {
  request(options: TargetRequest): Promise<TargetResponse>;
  close(): Promise<void>;
}

/** The scheme of an in-process instance's URL: `inproc://order-service`. */
export const IN_PROCESS_SCHEME = 'inproc:';

/** Thrown when the module is not mounted yet: like a refused connection, the request never left. */
class NotMounted extends Error {
  readonly code = 'ECONNREFUSED';
}

const tracer = trace.getTracer('@microshop/chassis');

function plainHeaders(headers: Record<string, string | number | string[] | undefined>): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = typeof value === 'number' ? String(value) : value;
  return out;
}

/** Settles with `work`, or rejects with the signal's reason once it aborts (the work itself runs on). */
function raceSignal<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/**
 * Runs the callee's side of an in-process call: with `traced`, in a SERVER span of its own, the one
 * the chassis gives a request over HTTP (`traceIncomingRequests`), named after the route the
 * callee's Fastify matched (`GET /api/products/:id`, through `nameServerSpan`). Started inside the
 * callee's module scope, the span belongs to the callee. The callee never sees the caller's route
 * record: over HTTP it would be another process; here it would rename the caller's server span.
 */
async function served<R extends { statusCode: number }>(traced: boolean, method: string, path: string, run: (callContext: Context) => Promise<R>): Promise<R> {
  const callContext = deleteRPCMetadata(context.active());
  if (!traced) return run(callContext);
  const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path.split('?', 1)[0] ?? path, 'microshop.transport': 'in-process' } }, callContext);
  const route: RPCMetadata = { type: RPCType.HTTP, span };
  return endSpanAfter(
    span,
    () => run(setRPCMetadata(trace.setSpan(callContext, span), route)),
    (response) => {
      if (route.route !== undefined) {
        span.updateName(`${method} ${route.route}`);
        span.setAttribute('http.route', route.route);
      }
      describeAnswer(span, response.statusCode);
    },
  );
}

/** What an in-process answer says on a span: its status code, and an error status for a 5xx, as over HTTP. */
function describeAnswer(span: Span, statusCode: number): void {
  span.setAttribute('http.response.status_code', statusCode);
  if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * The in-process transport of the modular monolith: a request to module `module` is handed to its
 * Fastify app with `inject` (no socket, no HTTP bytes parsed), inside the module's scope (its
 * metrics, its spans). The call keeps everything else the chassis client does: time budget, breaker,
 * retries, metrics, and its client span, whose trace context travels in the `traceparent` header as
 * over HTTP. `app()` is asked at each call: a module mounted later (they call each other in circles)
 * is found once it is there; before that, the call fails as a refused connection would.
 *
 * @example
 * const target = inProcessTarget('product-service', () => modules.get('product-service'))
 */
export function inProcessTarget(module: string, app: () => FastifyInstance | undefined): CallTarget {
  return {
    async request({ method, path, headers, body, signal }) {
      const mounted = app();
      if (!mounted) throw new NotMounted(`${module} is not mounted in this process yet`);
      // The caller's client span is active here, and its trace context is in `headers` already
      // (the chassis client's `startClientSpan`): the callee's server span is its child.
      const traced = !isUntracedPath(path);
      const response = await raceSignal(
        // inject() returns a lazy chain that dispatches when awaited: awaited here, inside the module's scope.
        inModule(module, () => served(traced, method, path, (callContext) => context.with(callContext, async () => await mounted.inject({ method: method as 'GET', url: path, headers, ...(body === null ? {} : { payload: body }) })))),
        signal,
      );
      const text = response.payload;
      return { statusCode: response.statusCode, headers: plainHeaders(response.headers), body: { text: () => Promise.resolve(text) } };
    },
    close: () => Promise.resolve(),
  };
}

/** One in-process instance of `module`: the URL `inproc://<module>`, its calls handed to the app in-process. */
export function inProcessResolver(module: string, app: () => FastifyInstance | undefined): Resolver {
  const instances: readonly ServiceInstance[] = Object.freeze([{ id: `${module}@in-process`, url: `${IN_PROCESS_SCHEME}//${module}`, target: inProcessTarget(module, app) }]);
  return { service: module, source: 'in-process', instances: () => instances };
}

/**
 * Discovery inside a modular monolith: each module in `modules` is reached in-process; any other
 * name is resolved by `fallback` (for example the payment provider, an outside process). The map is
 * read at each call, so modules may be added after the discovery is made.
 *
 * @example
 * const modules = new Map<string, FastifyInstance>()
 * const discovery = inProcessDiscovery(modules, { fallback: staticDiscovery })
 */
export function inProcessDiscovery(modules: ReadonlyMap<string, FastifyInstance>, { mounted, fallback }: { mounted: readonly string[]; fallback?: Discovery }): Discovery {
  const resolvers = new Map<string, Resolver>();
  const resolver = (service: string): Resolver => {
    let found = resolvers.get(service);
    if (!found) {
      found = mounted.includes(service) || !fallback ? inProcessResolver(service, () => modules.get(service)) : fallback.resolver(service);
      resolvers.set(service, found);
    }
    return found;
  };
  return {
    resolver,
    refresh: async () => fallback?.refresh(),
    view(): DiscoveryView {
      const outside = fallback?.view();
      const neighbours: DiscoveryView['neighbours'] = { ...(outside?.neighbours ?? {}) };
      for (const [service, found] of resolvers) neighbours[service] = { source: found.source, instances: found.instances() };
      return { registry: outside?.registry ?? null, stale: outside?.stale ?? false, last_refresh_at: outside?.last_refresh_at ?? null, neighbours };
    },
    close: async () => fallback?.close(),
  };
}
