import { Pool, errors as undiciErrors } from 'undici';
import { AppError } from './errors.js';
import { outcomeOfFailure, outcomeOfStatus, recordCall, type CallOutcome } from './metrics/client-metrics.js';
import { keepCallerContext } from './telemetry/caller-context.js';
import { withPeerService } from './telemetry/peer.js';

export interface ServiceClientOptions {
  /** The neighbour's name, used in errors, e.g. `product-service`. */
  service: string;
  /** Its base URL, e.g. `http://127.0.0.1:5002`. */
  baseUrl: string;
  /** Budget for one call, connect to last byte. */
  timeoutMs: number;
  /** Headers sent on every call (such as the service credential). */
  headers?: Record<string, string>;
  /** Keep-alive connections kept open to the neighbour. */
  connections?: number;
  /**
   * The calls are monitoring (health probes, metric scrapes, API documents): they are left out of
   * the call metrics, so that edges between services show the system's own traffic.
   */
  monitoring?: boolean;
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

export interface ServiceResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

/** A keep-alive HTTP client for one neighbouring service. */
export interface ServiceClient {
  readonly service: string;
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
 * neighbour.
 *
 * @example
 * const products = createServiceClient({ service: 'product-service', baseUrl, timeoutMs: 2000 })
 * const { status, body } = await products.call<Product>({ path: `/api/products/${id}` })
 */
export function createServiceClient({ service, baseUrl, timeoutMs, headers = {}, connections = 32, monitoring = false }: ServiceClientOptions): ServiceClient {
  // Each call leaves from its caller's context (trace parent, traceparent header), even when it waits for a connection.
  const pool = keepCallerContext(new Pool(baseUrl, {
    connections,
    connectTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 10_000,
  }));

  return {
    service,
    async call<T>({ method = 'GET', path, query, body, headers: extra, deadline, passServerErrors = false, responseType = 'json' }: CallOptions): Promise<ServiceResponse<T>> {
      const started = performance.now();
      const record = (outcome: CallOutcome) => {
        if (!monitoring) recordCall(service, method, outcome, (performance.now() - started) / 1000);
      };
      const budget = deadline === undefined ? timeoutMs : Math.min(timeoutMs, deadline - Date.now());
      if (budget <= 0) {
        record('not_sent');
        throw AppError.unavailable(service, `${service} was not called: the request's time budget is spent`);
      }
      const signal = AbortSignal.timeout(budget);
      let response;
      let text: string;
      try {
        const options = {
          method,
          path: buildPath(path, query),
          headers: {
            accept: 'application/json',
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
            ...extra,
          },
          body: body === undefined ? null : JSON.stringify(body),
          signal,
        };
        // The outgoing request's span is named after the service it calls.
        response = await withPeerService(service, () => pool.request(options));
        text = await response.body.text();
      } catch (error) {
        record(outcomeOfFailure(error));
        throw AppError.unavailable(service, `${service} ${describeFailure(error, budget)}`, error);
      }
      record(outcomeOfStatus(response.statusCode));

      if (response.statusCode >= 500 && !passServerErrors) {
        const detail = `${service} answered ${response.statusCode}`;
        throw response.statusCode === 503 || response.statusCode === 504
          ? AppError.unavailable(service, detail)
          : AppError.badGateway(service, detail);
      }
      if (responseType === 'text') return { status: response.statusCode, headers: response.headers, body: text as T };
      let parsed: unknown = undefined;
      if (text.length > 0) {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw AppError.badGateway(service, `${service} answered ${response.statusCode} with a body that is not JSON`);
        }
      }
      return { status: response.statusCode, headers: response.headers, body: parsed as T };
    },
    close: () => pool.close(),
  };
}
