import { SpanKind, SpanStatusCode, type Attributes, type HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A span attribute's value, as OTLP carries it (maps and bytes become text). */
export type SpanAttributeValue = string | number | boolean | (string | number | boolean | null)[];

/** The kind of a span: who started the work it measures. */
export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** One finished span, whichever way it arrived (OTLP/JSON over HTTP, or in-process at the gateway). */
export interface SpanRecord {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits. */
  spanId: string;
  /** The parent's span id; absent on a trace's root span. */
  parentSpanId?: string | undefined;
  name: string;
  kind: SpanKindName;
  /** `service.name` of the process that recorded it; in a modular monolith, the module's name. */
  service: string;
  /** `service.instance.id` of that process, when known. */
  instance?: string | undefined;
  /** Start, in epoch milliseconds (with a fraction). */
  startMs: number;
  durationMs: number;
  attributes: Record<string, SpanAttributeValue>;
  status: { code: 'unset' | 'ok' | 'error'; message?: string | undefined };
  events: { name: string; timeMs: number; attributes: Record<string, SpanAttributeValue> }[];
}

const KINDS: Record<SpanKind, SpanKindName> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

const toMs = ([seconds, nanos]: HrTime): number => seconds * 1000 + nanos / 1e6;

/** Attribute values as OTLP would carry them: `undefined` dropped, arrays kept. */
export function plainAttributes(attributes: Attributes | undefined): Record<string, SpanAttributeValue> {
  const out: Record<string, SpanAttributeValue> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.map((item) => item ?? null) : value;
  }
  return out;
}

/** Converts a span of this process's SDK into a {@link SpanRecord}. */
export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const { traceId, spanId } = span.spanContext();
  const resource = span.resource.attributes;
  // In a modular monolith each span names its module: the service it belongs to, as if it ran alone.
  const module = span.attributes['microshop.module'];
  const service = typeof module === 'string' ? module : resource['service.name'];
  const instance = resource['service.instance.id'];
  const code = span.status.code === SpanStatusCode.ERROR ? 'error' : span.status.code === SpanStatusCode.OK ? 'ok' : 'unset';
  return {
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: KINDS[span.kind],
    service: typeof service === 'string' ? service : 'unknown_service',
    instance: typeof instance === 'string' ? instance : undefined,
    startMs: toMs(span.startTime),
    durationMs: toMs(span.duration),
    attributes: plainAttributes(span.attributes),
    status: { code, ...(span.status.message ? { message: span.status.message } : {}) },
    events: span.events.map((event) => ({ name: event.name, timeMs: toMs(event.time), attributes: plainAttributes(event.attributes) })),
  };
}
