import { Type, type Static } from 'typebox';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Timestamp } from './common.js';

/** A W3C trace id: 32 lower-case hex digits. */
export const TraceId = Type.String({ pattern: '^[0-9a-f]{32}$', description: 'W3C trace id, 32 lower-case hex digits' });

/** `error` when any span of the trace has an error status. */
export const TraceStatus = Type.Union([Type.Literal('ok'), Type.Literal('error')]);
export type TraceStatus = Static<typeof TraceStatus>;

/** What started the work a span measures. */
export const SpanKind = Type.Union([Type.Literal('internal'), Type.Literal('server'), Type.Literal('client'), Type.Literal('producer'), Type.Literal('consumer')]);

/** A span attribute: text, number, boolean, or a list of those. */
export const SpanAttributes = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]))]),
);

/** One trace in a list: what it was, where it went, how long it took. */
export const TraceSummary = Type.Object({
  trace_id: TraceId,
  root_name: Type.String({ description: 'Name of the root span (the first span without a known parent), e.g. `POST /api/orders`' }),
  root_service: Type.String({ description: 'Service that recorded the root span' }),
  services: Type.Array(Type.String(), { description: 'Every service with a span in the trace, in order of their first span' }),
  span_count: Type.Integer({ minimum: 0 }),
  error_count: Type.Integer({ minimum: 0, description: 'Spans with an error status' }),
  duration_ms: Type.Number({ minimum: 0, description: 'From the first span start to the last span end' }),
  start: Timestamp,
  status: TraceStatus,
});
export type TraceSummary = Static<typeof TraceSummary>;

/** An event recorded on a span, such as an exception. */
export const SpanEvent = Type.Object({
  name: Type.String({ description: 'e.g. `exception`' }),
  time: Timestamp,
  attributes: SpanAttributes,
});

/** One span and, nested, the spans it caused. */
export const SpanNode = Type.Cyclic(
  {
    SpanNode: Type.Object({
      span_id: Type.String({ pattern: '^[0-9a-f]{16}$' }),
      parent_span_id: Type.Union([Type.String(), Type.Null()], { description: 'null on the root; set but unknown when the parent never arrived' }),
      service: Type.String(),
      instance: Type.Union([Type.String(), Type.Null()], { description: 'service.instance.id of the process (host:pid)' }),
      name: Type.String(),
      kind: SpanKind,
      start: Timestamp,
      offset_ms: Type.Number({ description: 'Start, in milliseconds after the trace started' }),
      duration_ms: Type.Number({ minimum: 0 }),
      attributes: SpanAttributes,
      status: Type.Object({
        code: Type.Union([Type.Literal('unset'), Type.Literal('ok'), Type.Literal('error')]),
        message: Type.Optional(Type.String()),
      }),
      events: Type.Array(SpanEvent),
      children: Type.Array(Type.Ref('SpanNode')),
    }),
  },
  'SpanNode',
);
export type SpanNode = Static<typeof SpanNode>;

/** `GET /api/traces/:id`: a trace with its spans as a tree, children in start order. */
export const Trace = Type.Object({
  ...TraceSummary.properties,
  dropped_spans: Type.Integer({ minimum: 0, description: 'Spans not kept because the trace reached the per-trace cap' }),
  spans: Type.Array(SpanNode, { description: 'The root spans (normally one), each with its descendants' }),
});
export type Trace = Static<typeof Trace>;

/** `GET /api/traces?service=&status=&limit=`. */
export const ListTracesQuery = Type.Object(
  {
    service: Type.Optional(Type.String({ minLength: 1, description: 'Only traces with a span of this service' })),
    status: Type.Optional(TraceStatus),
    limit: Type.Optional(Type.Integer({ minimum: 1, description: `How many, newest first; default ${DEFAULT_PAGE_SIZE}, capped at ${MAX_PAGE_SIZE}` })),
  },
  { additionalProperties: false },
);
export type ListTracesQuery = Static<typeof ListTracesQuery>;

/** Path parameters of `/api/traces/:id`. */
export const TraceIdParams = Type.Object({ id: TraceId }, { additionalProperties: false });
export type TraceIdParams = Static<typeof TraceIdParams>;
