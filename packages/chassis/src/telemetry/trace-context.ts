import { isSpanContextValid, trace } from '@opentelemetry/api';

/** The response header carrying the id of the request's trace (every traced response has it). */
export const TRACE_ID_HEADER = 'x-trace-id';

/** The ids a log line carries while a span is active. */
export interface TraceFields {
  trace_id?: string;
  span_id?: string;
}

/**
 * `{ trace_id, span_id }` of the active span, or `{}` outside one (or with tracing off). Used as the
 * loggers' pino `mixin`, so every line written inside a request carries its trace.
 *
 * @example
 * pino({ mixin: traceFields })
 */
export function traceFields(): TraceFields {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}

/** The active trace's id, or `undefined` outside a trace or with tracing off. */
export function currentTraceId(): string | undefined {
  return traceFields().trace_id;
}
