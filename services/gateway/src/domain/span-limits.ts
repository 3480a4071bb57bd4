import type { SpanAttributeValue, SpanRecord } from '@microshop/chassis';

/** How much of one span the trace store keeps, so that no span can take more than a few kilobytes. */
export const SPAN_LIMITS = {
  /** Characters of a name or of a text attribute; longer ones are cut and end with `...`. */
  textLength: 2048,
  attributes: 64,
  arrayItems: 64,
  events: 32,
} as const;

/**
 * Text cut to `max` characters. The cut text is copied: a plain `slice` would keep the whole
 * original string alive behind it (V8 shares the characters), and memory would not be bounded.
 */
const cut = (text: string, max: number) => (text.length > max ? Buffer.from(`${text.slice(0, max - 3)}...`, 'latin1').toString('latin1') : text);

function limitValue(value: SpanAttributeValue): SpanAttributeValue {
  if (typeof value === 'string') return cut(value, SPAN_LIMITS.textLength);
  if (Array.isArray(value)) return value.slice(0, SPAN_LIMITS.arrayItems).map((item) => (typeof item === 'string' ? cut(item, 256) : item));
  return value;
}

function limitAttributes(attributes: Record<string, SpanAttributeValue>): Record<string, SpanAttributeValue> {
  const kept: Record<string, SpanAttributeValue> = {};
  let count = 0;
  for (const [key, value] of Object.entries(attributes)) {
    if (count++ >= SPAN_LIMITS.attributes) break;
    kept[cut(key, 256)] = limitValue(value);
  }
  return kept;
}

/**
 * A copy of the span within {@link SPAN_LIMITS}: at most 64 attributes and 32 events, text cut
 * at 2048 characters. What a client sends can therefore never grow the store beyond its bounds.
 */
export function limitSpan(span: SpanRecord): SpanRecord {
  return {
    ...span,
    name: cut(span.name, 256),
    service: cut(span.service, 128),
    instance: span.instance === undefined ? undefined : cut(span.instance, 128),
    attributes: limitAttributes(span.attributes),
    status: { code: span.status.code, ...(span.status.message === undefined ? {} : { message: cut(span.status.message, SPAN_LIMITS.textLength) }) },
    events: span.events.slice(0, SPAN_LIMITS.events).map((event) => ({ ...event, name: cut(event.name, 256), attributes: limitAttributes(event.attributes) })),
  };
}
