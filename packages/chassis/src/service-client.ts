import { Pool, buildConnector, errors as undiciErrors, type Dispatcher } from 'undici';
import { AppError } from './errors.js';
import { outcomeOfFailure, outcomeOfStatus, recordCall, type CallOutcome } from './metrics/client-metrics.js';
import { resilientCall, SAFETY_CAP_MS, type Answer, type Attempt, type AttemptInput } from './resilience/resilient-call.js';
import type { Resilience } from './resilience/resilience.js';
import { UpstreamFailure } from './resilience/resilience.js';
import { callDestination, startClientSpan, type CallDestination } from './telemetry/client-spans.js';
import { isRetryable } from './resilience/resilient-call.js';
import { createLoadBalancer, type BalancingStrategy, type EjectionPolicy, type InstanceStats } from './discovery/load-balancer.js';
import type { Resolver } from './discovery/instance.js';
import type { CallTarget } from './modules/in-process.js';
import { staticResolver } from './discovery/static-resolver.js';
import { instanceMetrics } from './metrics/instance-metrics.js';
import type { ServiceIdentity } from './identity/identity.js';

export interface ServiceClientOptions {
  /** The neighbour's name, used in errors, e.g. `product-service`. */
  service: string;
  /** Its base URL, e.g. `http://127.0.0.1:5002`: one fixed instance. Give this or `resolver`. */
  baseUrl?: string;
  /** Where its instances are now (registry, static list, DNS): each call goes to one of them. */
  resolver?: Resolver;
  /** How an instance is chosen for each call (default `least-outstanding`). */
  balancing?: BalancingStrategy;
  /** When a failing instance is left out for a while (passive health). */
  ejection?: EjectionPolicy;
  /** Budget for one call, connect to last byte. */
  timeoutMs: number;
  /** Headers sent on every call. */
  headers?: Record<string, string>;
  /**
   * The caller's identity: every call carries its service token for this neighbour (the audience is
   * `service`), for neighbours whose routes are internal. Absent: no token is sent.
   */
  identity?: ServiceIdentity | undefined;
  /** Keep-alive connections kept open to the neighbour. */
  connections?: number;
  /**
   * The calls are monitoring (health probes, metric scrapes, API documents): they are left out of
   * the call metrics, so that edges between services show the system's own traffic.
   */
  monitoring?: boolean;
  /**
   * The process's resilience (`resilienceOf(app)`): breaker, bulkhead, retries, connect and
   * first-byte timeouts and the budget header, as its switches say. Without it, a call is one
   * attempt within `timeoutMs`.
   */
  resilience?: Resilience | undefined;
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | readonly (string | number)[] | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Epoch milliseconds by which the whole operation this call belongs to must be done. The call
   * gets what is left of it (never more than the client's own budget); none left is an immediate 503.
   */
  deadline?: number;
  /**
   * Return 5xx answers as they are instead of throwing. For a proxy passing a neighbour's own
   * problem on (it names the real culprit); a refused connection or a timeout still throws.
   */
  passServerErrors?: boolean;
  /** `text`: the body comes back as the text received (e.g. Prometheus metrics); default `json`. */
  responseType?: 'json' | 'text';
}

/** An undici pool as a {@link CallTarget}: the chassis client's requests over keep-alive HTTP connections. */
function overHttp(pool: Dispatcher): CallTarget {
  return {
    request: ({ method, ...options }) => pool.request({ ...options, method: method as Dispatcher.HttpMethod }),
    close: () => pool.close(),
  };
}

/** True for a 5xx problem body that names another service than `target`: passed on, not the target's own failure. */
function passedOn(target: string, text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    const service = (JSON.parse(text) as { service?: unknown }).service;
    return typeof service === 'string' && service !== target;
  } catch {
    return false;
  }
}

export interface ServiceResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** One instance as a client sees it: its calls in flight and whether it is ejected. */
export interface ClientInstanceView {
  id: string;
  url: string;
  outstanding: number;
  consecutive_failures: number;
  /** When its ejection ends; null when it is not ejected. */
  ejected_until: string | null;
}

/** A keep-alive HTTP client for one neighbouring service. */
export interface ServiceClient {
  readonly service: string;
  /** The instances it balances across now, with their state. */
  instances(): ClientInstanceView[];
  /**
   * Calls the neighbour and parses its JSON answer. 2xx and 4xx come back as they are, for the
   * caller to interpret; no answer in time, a refused connection or a 5xx throw a 503/502 AppError
   * naming the neighbour.
   */
  call<T>(options: CallOptions): Promise<ServiceResponse<T>>;
  close(): Promise<void>;
}

function buildPath(path: string, query: CallOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** True when the request never reached the instance (refused, no route, connect timeout): safe to send elsewhere, whatever its method. */
function isConnectFailure(error: unknown): boolean {
  if (error instanceof undiciErrors.ConnectTimeoutError) return true;
  const code = (error as { code?: string } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) {
    return `did not answer within ${timeoutMs} ms`;
  }
  if (error instanceof undiciErrors.ConnectTimeoutError) return `could not be reached within ${timeoutMs} ms`;
  if ((error as Error | null)?.name === 'TimeoutError' || (error as Error | null)?.name === 'AbortError') {
    return `did not answer within ${timeoutMs} ms`;
  }
  const code = (error as { code?: string } | null)?.code;
  return code ? `is unreachable (${code})` : 'is unreachable';
}

/**
 * Creates the client every cross-service call goes through: one keep-alive pool per neighbour,
 * a hard time budget per call, JSON in and out, and failures turned into problems that name the
 * neighbour. With `resilience`, each call also goes through the neighbour's circuit breaker and
 * bulkhead, idempotent calls are retried with full-jitter backoff within a retry budget, and the
 * time each attempt waits for its answer travels in the `x-budget-ms` header (see docs/resilience.md).
 *
 * @example
 * const products = createServiceClient({ service: 'product-service', baseUrl, timeoutMs: 2000, resilience: resilienceOf(app) })
 * const { status, body } = await products.call<Product>({ path: `/api/products/${id}` })
 */
export function createServiceClient({
  service,
  baseUrl,
  resolver: givenResolver,
  balancing = 'least-outstanding',
  ejection,
  timeoutMs,
  headers = {},
  identity,
  connections = 32,
  monitoring = false,
  resilience,
}: ServiceClientOptions): ServiceClient {
  const resolver = givenResolver ?? (baseUrl === undefined ? undefined : staticResolver(service, [baseUrl]));
  if (!resolver) throw new Error(`createServiceClient(${service}): give a baseUrl or a resolver`);
  const connectMs = resilience ? resilience.settings.connect_timeout_ms : timeoutMs;
  const shortConnect = buildConnector({ timeout: connectMs });
  const longConnect = buildConnector({ timeout: SAFETY_CAP_MS });
  // With timeouts switched off, new connections wait up to the safety cap.
  const connect: buildConnector.connector = (options, callback) =>
    (resilience && !resilience.switches().timeouts ? longConnect : shortConnect)(options, callback);
  const balancer = createLoadBalancer({ strategy: balancing, ...(ejection ? { ejection } : {}) });
  // One keep-alive pool per instance, opened on first use; pools of instances that left are closed
  // once their calls are done.
  const pools = new Map<string, CallTarget>();
  // What each instance's calls say on their spans (address, port), worked out once per instance.
  const destinations = new Map<string, CallDestination>();
  const destinationOf = (url: string): CallDestination => {
    let destination = destinations.get(url);
    if (!destination) {
      destination = callDestination(url);
      destinations.set(url, destination);
    }
    return destination;
  };
  // Instances that are modules of this process (the modular monolith): called in-process, without a socket.
  let inProcess = new Map<string, CallTarget>();
  let listed: readonly unknown[] | undefined;
  const poolOf = (url: string): CallTarget => {
    const target = inProcess.get(url);
    if (target) return target;
    let pool = pools.get(url);
    if (!pool) {
      pool = overHttp(new Pool(url, {
        connections: resilience ? Math.max(connections, resilience.settings.bulkhead_max_concurrent) : connections,
        connect,
        // Off: each request is bounded by the client's own timers (see tryOn), not by undici's coarse ones.
        headersTimeout: 0,
        bodyTimeout: 0,
        keepAliveTimeout: 10_000,
      }));
      pools.set(url, pool);
    }
    return pool;
  };
  const currentInstances = () => {
    const instances = resolver.instances();
    if (instances !== listed) {
      listed = instances;
      balancer.retain(instances);
      inProcess = new Map(instances.flatMap((instance) => (instance.target ? [[instance.url, instance.target] as const] : [])));
      const urls = new Set(instances.map((instance) => instance.url));
      for (const [url, pool] of pools) {
        if (urls.has(url)) continue;
        pools.delete(url);
        void pool.close().catch(() => undefined);
      }
      for (const url of destinations.keys()) if (!urls.has(url)) destinations.delete(url);
    }
    return instances;
  };

  return {
    service,
    async call<T>({ method = 'GET', path, query, body, headers: extra, deadline, passServerErrors = false, responseType = 'json' }: CallOptions): Promise<ServiceResponse<T>> {
      const record = (outcome: CallOutcome, started: number) => {
        if (!monitoring) recordCall(service, method, outcome, (performance.now() - started) / 1000);
      };
      const allHeaders: Record<string, string> = {
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
        ...(identity ? identity.headersFor(service) : {}),
        ...extra,
      };
      const payload = body === undefined ? null : JSON.stringify(body);

      // One try on one instance, within what is left of the attempt's budget.
      const tryOn = async (instance: InstanceStats, { budgetMs, firstByteMs, callBudgetMs, extraHeaders }: AttemptInput): Promise<Answer> => {
        const started = performance.now();
        // One controller and one timer at a time. Until the response headers, the tighter of the
        // first-byte limit and the attempt's budget; once they are in, what is left of the budget,
        // for the body. These timers are the only ones: undici's own headers and body timeouts run
        // on a coarse clock that ticks every half second and can fire up to half a second early
        // (a 950 ms limit cut calls after 600 ms), so they are off in every pool (0).
        const abort = new AbortController();
        const budgetSpent = () => abort.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
        const firstByteFirst = firstByteMs < budgetMs;
        let timer = firstByteFirst ? setTimeout(() => abort.abort(new DOMException(`no response headers within ${firstByteMs} ms`, 'TimeoutError')), firstByteMs) : setTimeout(budgetSpent, budgetMs);
        const requestPath = buildPath(path, query);
        const requestHeaders = { ...allHeaders, ...extraHeaders };
        // The call's span, its trace context written into the headers; none with tracing off.
        const span = startClientSpan(service, method, destinationOf(instance.url), requestPath, requestHeaders);
        let response;
        let text: string;
        try {
          const options = {
            method,
            path: requestPath,
            headers: requestHeaders,
            body: payload,
            signal: abort.signal,
          };
          const target = poolOf(instance.url);
          response = await (span ? span.run(() => target.request(options)) : target.request(options));
          if (firstByteFirst) {
            clearTimeout(timer);
            timer = setTimeout(budgetSpent, Math.max(0, started + budgetMs - performance.now()));
          }
          // A body cut short (reset, closed early) throws here: never taken for an answer.
          text = await response.body.text();
        } catch (error) {
          span?.failed(error);
          const outcome = outcomeOfFailure(error);
          record(outcome, started);
          // Name the limit that was hit: the first-byte timeout when it was the tighter one, else the call's budget.
          const limitMs = firstByteFirst ? firstByteMs : callBudgetMs;
          throw new UpstreamFailure(outcome, `${service} ${describeFailure(error, limitMs)}`, undefined, { cause: error });
        } finally {
          clearTimeout(timer);
        }
        span?.answered(response.statusCode);
        record(outcomeOfStatus(response.statusCode), started);
        if (response.statusCode >= 500 && !passedOn(service, text)) {
          throw new UpstreamFailure('server_error', `${service} answered ${response.statusCode}`, { status: response.statusCode, headers: response.headers, text });
        }
        return { status: response.statusCode, headers: response.headers, text };
      };

      // An attempt picks an instance; when that one fails and the request is safe to send again
      // (it never left, or it is idempotent), the same attempt fails over to another instance at
      // once, within the same budget. Retries with backoff (resilience) come on top of this.
      const retryable = isRetryable(method, allHeaders);
      const attempt: Attempt = async (input) => {
        const end = Date.now() + input.budgetMs;
        const firstByteEnd = Date.now() + input.firstByteMs;
        const tried = new Set<string>();
        // No instance known (a neighbour that registered after our last refresh): ask again once, now.
        if (resolver.refresh && currentInstances().length === 0) await resolver.refresh();
        for (;;) {
          const instances = currentInstances();
          const instance = balancer.pick(instances, tried);
          if (!instance) {
            record('not_sent', performance.now());
            throw new UpstreamFailure('unreachable', tried.size === 0 ? `${service} has no instance registered` : `${service}: every instance failed`);
          }
          tried.add(instance.url);
          balancer.started(instance);
          try {
            const remaining = Math.max(1, end - Date.now());
            const answer = await tryOn(instance, { ...input, budgetMs: remaining, firstByteMs: Math.max(1, Math.min(remaining, firstByteEnd - Date.now())) });
            balancer.succeeded(instance);
            if (!monitoring) instanceMetrics().calls.inc({ target: service, instance: instance.id, outcome: 'ok' });
            return answer;
          } catch (error) {
            if (!(error instanceof UpstreamFailure)) {
              balancer.succeeded(instance);
              throw error;
            }
            if (balancer.failed(instance)) instanceMetrics().ejections.inc({ target: service, instance: instance.id });
            if (!monitoring) instanceMetrics().calls.inc({ target: service, instance: instance.id, outcome: error.kind });
            // Refused or no route (kind unreachable) and connect timeouts (kind timeout): the request never left.
            const neverSent = isConnectFailure(error.cause);
            const another = instances.some((candidate) => !tried.has(candidate.url));
            if (!another || !(neverSent || retryable) || end - Date.now() <= 1) throw error;
          }
        }
      };

      let answer;
      try {
        answer = await resilientCall({ service, method, headers: allHeaders, timeoutMs, deadline, resilience, attempt, onRejected: () => record('not_sent', performance.now()) });
      } catch (error) {
        if (!(error instanceof UpstreamFailure)) throw error;
        const last = error.response;
        if (!last) throw AppError.unavailable(service, error.message, error.cause);
        if (!passServerErrors) {
          throw last.status === 503 || last.status === 504 ? AppError.unavailable(service, error.message) : AppError.badGateway(service, error.message);
        }
        answer = last;
      }
      const { status, headers: responseHeaders, text } = answer;

      if (status >= 500 && !passServerErrors) {
        const detail = `${service} answered ${status}`;
        throw status === 503 || status === 504 ? AppError.unavailable(service, detail) : AppError.badGateway(service, detail);
      }
      if (responseType === 'text') return { status, headers: responseHeaders, body: text as T };
      let parsed: unknown = undefined;
      if (text.length > 0) {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw AppError.badGateway(service, `${service} answered ${status} with a body that is not JSON`);
        }
      }
      return { status, headers: responseHeaders, body: parsed as T };
    },
    instances: () =>
      balancer.stats().map((stats) => ({
        id: stats.id,
        url: stats.url,
        outstanding: stats.outstanding,
        consecutive_failures: stats.consecutiveFailures,
        ejected_until: stats.ejectedUntil > Date.now() ? new Date(stats.ejectedUntil).toISOString() : null,
      })),
    close: async () => {
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      pools.clear();
    },
  };
}
