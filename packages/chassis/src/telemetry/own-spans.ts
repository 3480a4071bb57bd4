import type { SpanRecord } from './span-record.js';

/** Receives this process's own finished spans, in batches. */
export type SpanSink = (spans: SpanRecord[]) => void;

let sink: SpanSink | undefined;

/**
 * Keeps this process's spans in the process: from now on, the spans that would have been sent to
 * the gateway over OTLP are handed to `receive` instead. The gateway does this with its trace
 * store, so its own spans never make an HTTP round trip to itself. Returns a function that undoes it.
 *
 * @example
 * receiveOwnSpans((spans) => traces.add(spans))
 */
export function receiveOwnSpans(receive: SpanSink): () => void {
  sink = receive;
  return () => {
    if (sink === receive) sink = undefined;
  };
}

/** The receiver set by {@link receiveOwnSpans}, if any. */
export function ownSpanSink(): SpanSink | undefined {
  return sink;
}
