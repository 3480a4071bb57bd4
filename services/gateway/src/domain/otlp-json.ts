import { AppError, type SpanAttributeValue, type SpanKindName, type SpanRecord } from '@microshop/chassis';

/** The spans read from one OTLP request, and how many could not be read. */
export interface OtlpBatch {
  spans: SpanRecord[];
  /** Spans skipped because a required field was missing or malformed. */
  rejected: number;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

const KINDS: Record<string, SpanKindName> = {
  '0': 'internal',
  '1': 'internal',
  '2': 'server',
  '3': 'client',
  '4': 'producer',
  '5': 'consumer',
  SPAN_KIND_UNSPECIFIED: 'internal',
  SPAN_KIND_INTERNAL: 'internal',
  SPAN_KIND_SERVER: 'server',
  SPAN_KIND_CLIENT: 'client',
  SPAN_KIND_PRODUCER: 'producer',
  SPAN_KIND_CONSUMER: 'consumer',
};

const STATUS: Record<string, SpanRecord['status']['code']> = {
  '0': 'unset',
  '1': 'ok',
  '2': 'error',
  STATUS_CODE_UNSET: 'unset',
  STATUS_CODE_OK: 'ok',
  STATUS_CODE_ERROR: 'error',
};

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO = /^0+$/;

/** An id as OTLP/JSON writes it (hex), lower-cased; `undefined` when it is not one. */
function hexId(value: unknown, pattern: RegExp): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = value.toLowerCase();
  return pattern.test(id) && !ZERO.test(id) ? id : undefined;
}

/** Nanoseconds since the epoch (a decimal string, as OTLP/JSON writes 64-bit integers, or a number) → milliseconds. */
function nanosToMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value / 1e6;
  // Whole microseconds (the last three digits dropped), then milliseconds: what dividing as a BigInt
  // gave, without making one for every timestamp of every span.
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return value.length <= 3 ? 0 : Number(value.slice(0, -3)) / 1000;
  return undefined;
}

/** An OTLP AnyValue as a plain value; maps and bytes become text. */
function anyValue(value: unknown): SpanAttributeValue | undefined {
  if (!isObject(value)) return undefined;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (typeof value.intValue === 'number') return value.intValue;
  if (typeof value.intValue === 'string' && /^-?\d+$/.test(value.intValue)) return Number(value.intValue);
  if (isObject(value.arrayValue)) {
    return list(value.arrayValue.values).map((item) => {
      const plain = anyValue(item);
      return plain === undefined || Array.isArray(plain) ? null : plain;
    });
  }
  if (isObject(value.kvlistValue)) return JSON.stringify(attributesOf(value.kvlistValue.values));
  if (typeof value.bytesValue === 'string') return value.bytesValue;
  return undefined;
}

/** OTLP's `[{ key, value: AnyValue }]` as a plain object. */
export function attributesOf(values: unknown): Record<string, SpanAttributeValue> {
  const attributes: Record<string, SpanAttributeValue> = {};
  for (const entry of list(values)) {
    if (!isObject(entry) || typeof entry.key !== 'string') continue;
    const value = anyValue(entry.value);
    if (value !== undefined) attributes[entry.key] = value;
  }
  return attributes;
}

function readSpan(span: unknown, service: string, instance: string | undefined): SpanRecord | undefined {
  if (!isObject(span)) return undefined;
  const traceId = hexId(span.traceId, TRACE_ID);
  const spanId = hexId(span.spanId, SPAN_ID);
  const startMs = nanosToMs(span.startTimeUnixNano);
  const endMs = nanosToMs(span.endTimeUnixNano);
  if (!traceId || !spanId || startMs === undefined || endMs === undefined || typeof span.name !== 'string') return undefined;
  const status = isObject(span.status) ? span.status : {};
  return {
    traceId,
    spanId,
    parentSpanId: hexId(span.parentSpanId, SPAN_ID),
    name: span.name,
    kind: KINDS[String(span.kind ?? 0)] ?? 'internal',
    service,
    instance,
    startMs,
    durationMs: Math.max(0, endMs - startMs),
    attributes: attributesOf(span.attributes),
    status: {
      code: STATUS[String(status.code ?? 0)] ?? 'unset',
      ...(typeof status.message === 'string' && status.message !== '' ? { message: status.message } : {}),
    },
    events: list(span.events).flatMap((event) => {
      const timeMs = isObject(event) ? nanosToMs(event.timeUnixNano) : undefined;
      return isObject(event) && typeof event.name === 'string' && timeMs !== undefined ? [{ name: event.name, timeMs, attributes: attributesOf(event.attributes) }] : [];
    }),
  };
}

/**
 * Reads an OTLP/HTTP JSON export request (`ExportTraceServiceRequest`): every span with its
 * service (`service.name` of its resource) and instance. A body that is not such a request is a
 * 400; single spans that cannot be read are skipped and counted, as OTLP's partial success says.
 *
 * @example
 * parseOtlpTraces({ resourceSpans: [{ resource: { attributes: [...] }, scopeSpans: [{ spans: [...] }] }] })
 */
export function parseOtlpTraces(body: unknown): OtlpBatch {
  if (!isObject(body) || (body.resourceSpans !== undefined && !Array.isArray(body.resourceSpans))) {
    throw AppError.invalid('resourceSpans', 'must be an array of OTLP ResourceSpans');
  }
  const spans: SpanRecord[] = [];
  let rejected = 0;
  for (const resourceSpans of list(body.resourceSpans)) {
    if (!isObject(resourceSpans)) continue;
    const resource = attributesOf(isObject(resourceSpans.resource) ? resourceSpans.resource.attributes : undefined);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    const instance = typeof resource['service.instance.id'] === 'string' ? resource['service.instance.id'] : undefined;
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      if (!isObject(scopeSpans)) continue;
      for (const raw of list(scopeSpans.spans)) {
        const span = readSpan(raw, service, instance);
        if (span) spans.push(span);
        else rejected++;
      }
    }
  }
  return { spans, rejected };
}
