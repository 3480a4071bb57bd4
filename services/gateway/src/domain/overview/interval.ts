import type { Buckets, CallTotals, MetricSnapshot } from './snapshot.js';

/** A snapshot and when it was taken (epoch milliseconds). */
export interface StampedSnapshot {
  at: number;
  snapshot: MetricSnapshot;
}

/** What one process did between two scrapes: counter increases over [from, to] (epoch milliseconds). */
export interface Interval {
  from: number;
  to: number;
  requests: number;
  serverErrors: number;
  clientErrors: number;
  latency: Buckets;
  /** By target service. */
  calls: Record<string, CallTotals>;
}

const sameBounds = (a: Buckets, b: Buckets) => a.bounds.length === b.bounds.length && a.bounds.every((bound, i) => bound === b.bounds[i]);

/** A histogram that had observations now has fewer in some bucket, or other buckets. */
const dropped = (prev: Buckets, cur: Buckets) =>
  prev.bounds.length > 0 && (!sameBounds(prev, cur) || cur.counts.some((count, i) => count < (prev.counts[i] ?? 0)));

/**
 * True when the process behind `cur` is not the one behind `prev`, or its counters started again:
 * another pid or start time, or any counter lower than before.
 */
export function restarted(prev: MetricSnapshot, cur: MetricSnapshot): boolean {
  if (prev.pid !== undefined && cur.pid !== undefined && prev.pid !== cur.pid) return true;
  if (prev.startTime !== undefined && cur.startTime !== undefined && prev.startTime !== cur.startTime) return true;
  if (cur.requests < prev.requests || cur.serverErrors < prev.serverErrors || cur.clientErrors < prev.clientErrors) return true;
  if (dropped(prev.latency, cur.latency)) return true;
  return Object.entries(prev.calls).some(([target, before]) => {
    const now = cur.calls[target];
    return !now || now.calls < before.calls || now.failures < before.failures || dropped(before.latency, now.latency);
  });
}

const NO_BUCKETS: Buckets = { bounds: [], counts: [] };

/** `cur - prev`, bucket by bucket; `prev` may be empty (no observation yet). */
const minus = (cur: Buckets, prev: Buckets): Buckets => ({ bounds: [...cur.bounds], counts: cur.counts.map((count, i) => count - (prev.counts[i] ?? 0)) });

const NO_CALLS: CallTotals = { calls: 0, failures: 0, latency: NO_BUCKETS };

/** Every counter of `cur` minus the same counter of `prev` (absent counters count as zero). */
function difference(cur: MetricSnapshot, prev: MetricSnapshot | undefined): Omit<Interval, 'from' | 'to'> {
  const calls: Record<string, CallTotals> = {};
  for (const [target, now] of Object.entries(cur.calls)) {
    const then = prev?.calls[target] ?? NO_CALLS;
    calls[target] = { calls: now.calls - then.calls, failures: now.failures - then.failures, latency: minus(now.latency, then.latency) };
  }
  return {
    requests: cur.requests - (prev?.requests ?? 0),
    serverErrors: cur.serverErrors - (prev?.serverErrors ?? 0),
    clientErrors: cur.clientErrors - (prev?.clientErrors ?? 0),
    latency: minus(cur.latency, prev?.latency ?? NO_BUCKETS),
    calls,
  };
}

/**
 * The increase of every counter between two scrapes of one process. After a restart the counters
 * started again from zero, so the increase is the current value (Prometheus' `increase()` reads a
 * drop the same way), and the interval starts no earlier than the new process did.
 */
export function intervalBetween(prev: StampedSnapshot, cur: StampedSnapshot): Interval {
  if (!restarted(prev.snapshot, cur.snapshot)) return { from: prev.at, to: cur.at, ...difference(cur.snapshot, prev.snapshot) };
  const startedAt = cur.snapshot.startTime === undefined ? prev.at : Math.min(cur.at, Math.max(prev.at, cur.snapshot.startTime * 1000));
  return { from: startedAt, to: cur.at, ...difference(cur.snapshot, undefined) };
}
