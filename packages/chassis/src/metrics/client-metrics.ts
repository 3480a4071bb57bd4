import { Counter, Histogram } from 'prom-client';
import { errors as undiciErrors } from 'undici';
import { LATENCY_BUCKETS_S, METRIC_PREFIX, perRegistry } from './registry.js';

/**
 * How a call to another service ended: `ok` (1xx–3xx), `client_error` (4xx), `server_error` (5xx),
 * `timeout` (no answer within the budget), `unreachable` (refused, reset, no route), `not_sent`
 * (the request's time budget was spent before the call, the breaker was open or the bulkhead full).
 */
export type CallOutcome = 'ok' | 'client_error' | 'server_error' | 'timeout' | 'unreachable' | 'not_sent';

/** Calls made to other services (`calls`) and how long they took, connect to last byte (`duration`), by target service, method and outcome. */
export const clientMetrics = perRegistry((registry) => ({
  calls: new Counter({
    name: `${METRIC_PREFIX}http_client_requests_total`,
    help: 'Calls to other services, by target service, method and outcome (ok, client_error, server_error, timeout, unreachable, not_sent)',
    labelNames: ['target', 'method', 'outcome'] as const,
    registers: [registry],
  }),
  duration: new Histogram({
    name: `${METRIC_PREFIX}http_client_request_duration_seconds`,
    help: 'Time a call to another service took, connect to last byte, by target service, method and outcome',
    labelNames: ['target', 'method', 'outcome'] as const,
    buckets: [...LATENCY_BUCKETS_S],
    registers: [registry],
  }),
}));

/** The outcome of a call that got an answer. */
export function outcomeOfStatus(status: number): CallOutcome {
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'ok';
}

/** The outcome of a call that got no answer: out of time, or never connected / cut off. */
export function outcomeOfFailure(error: unknown): 'timeout' | 'unreachable' {
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    error instanceof undiciErrors.ConnectTimeoutError
  ) {
    return 'timeout';
  }
  const name = (error as Error | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable';
}

/** Counts one call and records its duration. */
export function recordCall(target: string, method: string, outcome: CallOutcome, seconds: number): void {
  const metrics = clientMetrics();
  metrics.calls.inc({ target, method, outcome });
  metrics.duration.observe({ target, method, outcome }, seconds);
}
