import type { SpanRecord } from '@microshop/chassis';
import type { Trace, TraceStatus, TraceSummary } from '@microshop/contracts';
import { limitSpan } from './span-limits.js';
import { buildSpanTree } from './span-tree.js';

/** The bounds of a trace store; the oldest traces go first when one is reached. */
export interface TraceStoreLimits {
  /** Traces kept (default 500). */
  maxTraces?: number;
  /** Spans kept per trace (default 1000); later ones are dropped and counted. */
  maxSpansPerTrace?: number;
  /** Spans kept in all (default 20 000), whatever the number of traces. */
  maxSpans?: number;
}

/** One trace as stored: its spans, and running figures for its summary. */
export interface StoredTrace {
  traceId: string;
  spans: Map<string, SpanRecord>;
  dropped: number;
  startMs: number;
  endMs: number;
  errors: number;
  /** Each service and the start of its first span. */
  services: Map<string, number>;
}

/** Which traces to list. */
export interface TraceQuery {
  service?: string | undefined;
  status?: TraceStatus | undefined;
  limit: number;
}

/** What the store holds now, and what it had to let go. */
export interface TraceStoreStats {
  traces: number;
  spans: number;
  /** Spans refused because their trace was full. */
  droppedSpans: number;
  /** Traces removed to make room. */
  evictedTraces: number;
}

/** The gateway's in-memory trace store. */
export interface TraceStore {
  /** Adds finished spans (of any traces); returns how many were dropped because their trace was full. */
  add(spans: readonly SpanRecord[]): number;
  /** Summaries of the matching traces, newest first, and how many match in all. */
  list(query: TraceQuery): { items: TraceSummary[]; total: number };
  /** One trace with its span tree; `undefined` when unknown (never seen, or evicted). */
  get(traceId: string): Trace | undefined;
  stats(): TraceStoreStats;
}

/** The root span: the earliest span without a parent, else the earliest whose parent is not here. */
function rootOf(trace: StoredTrace): SpanRecord | undefined {
  let root: SpanRecord | undefined;
  let orphan: SpanRecord | undefined;
  for (const span of trace.spans.values()) {
    if (span.parentSpanId === undefined) {
      if (!root || span.startMs < root.startMs) root = span;
    } else if (!trace.spans.has(span.parentSpanId) && (!orphan || span.startMs < orphan.startMs)) {
      orphan = span;
    }
  }
  return root ?? orphan;
}

/** The summary of a stored trace. */
export function summarize(trace: StoredTrace): TraceSummary {
  const root = rootOf(trace);
  return {
    trace_id: trace.traceId,
    root_name: root?.name ?? '',
    root_service: root?.service ?? '',
    services: [...trace.services.entries()].sort((a, b) => a[1] - b[1]).map(([service]) => service),
    span_count: trace.spans.size,
    error_count: trace.errors,
    duration_ms: Math.round(Math.max(0, trace.endMs - trace.startMs) * 1000) / 1000,
    start: new Date(trace.startMs).toISOString(),
    status: trace.errors > 0 ? 'error' : 'ok',
  };
}

/**
 * Creates the bounded store behind `/api/traces`: the most recent traces (by when their first
 * span arrived), a cap on spans per trace and in all, and every span cut to {@link limitSpan}'s
 * size. Memory therefore stays bounded whatever arrives; the oldest traces are evicted first.
 *
 * @example
 * const traces = createTraceStore({ maxTraces: 500 })
 * traces.add(spans)
 * traces.list({ service: 'order-service', limit: 20 })
 */
export function createTraceStore({ maxTraces = 500, maxSpansPerTrace = 1000, maxSpans = 20_000 }: TraceStoreLimits = {}): TraceStore {
  // A Map iterates in insertion order: the first entry is always the oldest trace.
  const traces = new Map<string, StoredTrace>();
  let spanCount = 0;
  let droppedSpans = 0;
  let evictedTraces = 0;

  const evictOldest = () => {
    const oldest = traces.values().next().value;
    if (!oldest) return;
    traces.delete(oldest.traceId);
    spanCount -= oldest.spans.size;
    evictedTraces++;
  };

  const add = (incoming: SpanRecord): boolean => {
    let trace = traces.get(incoming.traceId);
    if (!trace) {
      trace = { traceId: incoming.traceId, spans: new Map(), dropped: 0, startMs: Infinity, endMs: -Infinity, errors: 0, services: new Map() };
      traces.set(incoming.traceId, trace);
    }
    const previous = trace.spans.get(incoming.spanId);
    if (!previous && trace.spans.size >= maxSpansPerTrace) {
      trace.dropped++;
      return false;
    }
    const span = limitSpan(incoming);
    if (previous?.status.code === 'error') trace.errors--;
    if (!previous) spanCount++;
    trace.spans.set(span.spanId, span);
    if (span.status.code === 'error') trace.errors++;
    trace.startMs = Math.min(trace.startMs, span.startMs);
    trace.endMs = Math.max(trace.endMs, span.startMs + span.durationMs);
    const first = trace.services.get(span.service);
    if (first === undefined || span.startMs < first) trace.services.set(span.service, span.startMs);
    return true;
  };

  return {
    add(spans) {
      let dropped = 0;
      for (const span of spans) if (!add(span)) dropped++;
      droppedSpans += dropped;
      while (traces.size > maxTraces || (spanCount > maxSpans && traces.size > 1)) evictOldest();
      return dropped;
    },
    list({ service, status, limit }) {
      const matching: StoredTrace[] = [];
      for (const trace of traces.values()) {
        if (service !== undefined && !trace.services.has(service)) continue;
        if (status !== undefined && (trace.errors > 0 ? 'error' : 'ok') !== status) continue;
        matching.push(trace);
      }
      matching.sort((a, b) => b.startMs - a.startMs);
      return { items: matching.slice(0, limit).map(summarize), total: matching.length };
    },
    get(traceId) {
      const trace = traces.get(traceId);
      if (!trace) return undefined;
      return { ...summarize(trace), dropped_spans: trace.dropped, spans: buildSpanTree([...trace.spans.values()], trace.startMs) };
    },
    stats: () => ({ traces: traces.size, spans: spanCount, droppedSpans, evictedTraces }),
  };
}
