import { randomBytes } from 'node:crypto';
import type { SpanRecord } from '@microshop/chassis';

/** A random W3C trace id (32 hex digits). */
export const newTraceId = () => randomBytes(16).toString('hex');
/** A random span id (16 hex digits). */
export const newSpanId = () => randomBytes(8).toString('hex');

/** A finished span with sensible defaults; override what the test is about. */
export function span(overrides: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: newTraceId(),
    spanId: newSpanId(),
    name: 'GET /api/orders/:id',
    kind: 'server',
    service: 'order-service',
    instance: 'host:1',
    startMs: 1_750_000_000_000,
    durationMs: 5,
    attributes: {},
    status: { code: 'unset' },
    events: [],
    ...overrides,
  };
}
