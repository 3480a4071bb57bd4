import type { Sample } from '@microshop/chassis';
import type { BreakerState } from '@microshop/contracts';

/** A cumulative histogram: `counts[i]` observations took at most `bounds[i]` seconds; the last bound is +Inf. */
export interface Buckets {
  bounds: number[];
  counts: number[];
}

/** Calls one process made to one other service, counted since it started. */
export interface CallTotals {
  calls: number;
  /** Calls that answered 5xx, timed out, were unreachable or not sent. */
  failures: number;
  latency: Buckets;
}

/** What the overview needs from one scrape of one process: its counters, summed over their labels. */
export interface MetricSnapshot {
  /** The process, from `microshop_service_info`: a new pid means its counters started again. */
  pid: number | undefined;
  /** `microshop_process_start_time_seconds`. */
  startTime: number | undefined;
  requests: number;
  serverErrors: number;
  clientErrors: number;
  latency: Buckets;
  /** By target service. */
  calls: Record<string, CallTotals>;
  /** Its circuit breaker to each neighbour, from `microshop_circuit_breaker_state{target}`. */
  breakers?: Record<string, BreakerState>;
  /** Its bulkhead's limit to each neighbour, from `microshop_http_client_concurrency_limit{target}`. */
  limits?: Record<string, number>;
}

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'half-open', 'open'];

const FAILED_CALLS = new Set(['server_error', 'timeout', 'unreachable', 'not_sent']);

/** The buckets of histogram `name`, summed over every series whose labels pass `keep`. */
function histogram(samples: readonly Sample[], name: string, keep: (labels: Record<string, string>) => boolean = () => true): Buckets {
  const byBound = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${name}_bucket` || !keep(sample.labels)) continue;
    const bound = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
    byBound.set(bound, (byBound.get(bound) ?? 0) + sample.value);
  }
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  return { bounds, counts: bounds.map((bound) => byBound.get(bound) ?? 0) };
}

/**
 * Reads one process's request, error and call counters and latency histograms from its parsed
 * `/metrics`, summed over routes and methods.
 */
export function readSnapshot(samples: readonly Sample[]): MetricSnapshot {
  let requests = 0;
  let serverErrors = 0;
  let clientErrors = 0;
  let pid: number | undefined;
  let startTime: number | undefined;
  const calls: Record<string, CallTotals> = {};
  const breakers: Record<string, BreakerState> = {};
  const limits: Record<string, number> = {};

  for (const { name, labels, value } of samples) {
    if (name === 'microshop_http_server_requests_total') {
      const status = Number(labels.status_code);
      requests += value;
      if (status >= 500) serverErrors += value;
      else if (status >= 400) clientErrors += value;
    } else if (name === 'microshop_http_client_requests_total' && labels.target) {
      const totals = (calls[labels.target] ??= { calls: 0, failures: 0, latency: { bounds: [], counts: [] } });
      totals.calls += value;
      if (FAILED_CALLS.has(labels.outcome ?? '')) totals.failures += value;
    } else if (name === 'microshop_circuit_breaker_state' && labels.target) {
      breakers[labels.target] = BREAKER_STATES[value] ?? 'closed';
    } else if (name === 'microshop_http_client_concurrency_limit' && labels.target) {
      limits[labels.target] = value;
    } else if (name === 'microshop_service_info' && labels.pid) {
      pid = Number(labels.pid);
    } else if (name === 'microshop_process_start_time_seconds') {
      startTime = value;
    }
  }
  for (const [target, totals] of Object.entries(calls)) {
    totals.latency = histogram(samples, 'microshop_http_client_request_duration_seconds', (labels) => labels.target === target);
  }
  return {
    pid,
    startTime,
    requests,
    serverErrors,
    clientErrors,
    latency: histogram(samples, 'microshop_http_server_request_duration_seconds'),
    calls,
    breakers,
    limits,
  };
}
