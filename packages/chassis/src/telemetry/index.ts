/**
 * Tracing as the services use it. The SDK itself is started by the preload
 * (`node --import @microshop/chassis/telemetry/register`), never by this module: without the
 * preload every function here is a cheap no-op.
 */
export { serviceInstanceId } from './instance.js';
export { receiveOwnSpans, type SpanSink } from './own-spans.js';
export { describeQuery, queryAttributes, traceQueries, type DatabaseSystem, type QueryShape } from './query-tracing.js';
export { nameServerSpan, recordThrown } from './route-span.js';
export { flushTelemetry } from './shutdown.js';
export { plainAttributes, toSpanRecord, type SpanAttributeValue, type SpanKindName, type SpanRecord } from './span-record.js';
export { currentTraceId, TRACE_ID_HEADER, traceFields, type TraceFields } from './trace-context.js';
export { traced, type TracedStep } from './traced.js';
export { isUntracedPath, UNTRACED_PATHS } from './untraced-paths.js';
