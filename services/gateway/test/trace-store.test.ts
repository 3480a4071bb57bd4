import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, test } from 'vitest';
import { SPAN_LIMITS } from '../src/domain/span-limits.js';
import { createTraceStore } from '../src/domain/trace-store.js';
import { newSpanId, newTraceId, span } from './span-fixtures.js';

/** Three spans of one request: gateway → order-service → product-service. */
function request(traceId: string, startMs: number, { error = false } = {}) {
  const root = span({ traceId, service: 'gateway', name: 'POST /api/orders', startMs, durationMs: 30 });
  const order = span({ traceId, parentSpanId: root.spanId, service: 'order-service', name: 'POST /api/orders', startMs: startMs + 2, durationMs: 25 });
  const product = span({
    traceId,
    parentSpanId: order.spanId,
    service: 'product-service',
    name: 'GET /api/products/:id',
    startMs: startMs + 4,
    durationMs: 5,
    ...(error ? { status: { code: 'error', message: 'boom' } as const } : {}),
  });
  return [root, order, product];
}

describe('Trace store', () => {
  test('When the spans of one request arrive in several batches, then they form one trace with its summary', () => {
    const store = createTraceStore();
    const traceId = newTraceId();
    const [root, order, product] = request(traceId, 1000);
    store.add([product!]);
    store.add([order!, root!]);
    expect(store.list({ limit: 10 })).toEqual({
      total: 1,
      items: [
        {
          trace_id: traceId,
          root_name: 'POST /api/orders',
          root_service: 'gateway',
          services: ['gateway', 'order-service', 'product-service'],
          span_count: 3,
          error_count: 0,
          duration_ms: 30,
          start: new Date(1000).toISOString(),
          status: 'ok',
        },
      ],
    });
  });

  test('When traces are listed, then newest come first, and service, status and limit filter them', () => {
    const store = createTraceStore();
    const [a, b, c] = [newTraceId(), newTraceId(), newTraceId()];
    store.add(request(b, 2000, { error: true }));
    store.add(request(c, 3000));
    store.add(request(a, 1000));
    store.add([span({ traceId: newTraceId(), service: 'user-service', startMs: 500 })]);
    expect(store.list({ limit: 10 }).items.map((t) => t.trace_id).slice(0, 3)).toEqual([c, b, a]);
    expect(store.list({ service: 'product-service', limit: 10 })).toMatchObject({ total: 3 });
    expect(store.list({ service: 'user-service', limit: 10 }).items).toHaveLength(1);
    expect(store.list({ status: 'error', limit: 10 }).items.map((t) => [t.trace_id, t.error_count])).toEqual([[b, 1]]);
    expect(store.list({ status: 'ok', limit: 10 }).total).toBe(3);
    expect(store.list({ limit: 2 })).toMatchObject({ total: 4, items: [{ trace_id: c }, { trace_id: b }] });
  });

  test('When more traces arrive than the store keeps, then the oldest are evicted first', () => {
    const store = createTraceStore({ maxTraces: 3 });
    const ids = Array.from({ length: 5 }, () => newTraceId());
    ids.forEach((id, i) => store.add(request(id, 1000 + i)));
    expect(store.get(ids[0]!)).toBeUndefined();
    expect(store.get(ids[1]!)).toBeUndefined();
    expect(store.list({ limit: 10 }).items.map((t) => t.trace_id)).toEqual([ids[4], ids[3], ids[2]]);
    expect(store.stats()).toEqual({ traces: 3, spans: 9, droppedSpans: 0, evictedTraces: 2 });
  });

  test('When a trace reaches its span cap, then later spans are dropped and counted, and a resent span is not counted twice', () => {
    const store = createTraceStore({ maxSpansPerTrace: 2 });
    const traceId = newTraceId();
    const spans = request(traceId, 1000);
    expect(store.add(spans)).toBe(1);
    expect(store.add([spans[0]!])).toBe(0);
    expect(store.get(traceId)).toMatchObject({ span_count: 2, dropped_spans: 1 });
    expect(store.stats()).toMatchObject({ spans: 2, droppedSpans: 1 });
  });

  test('When the spans of all traces together pass the total cap, then whole old traces are evicted until they fit', () => {
    const store = createTraceStore({ maxTraces: 100, maxSpans: 7 });
    const ids = Array.from({ length: 4 }, () => newTraceId());
    ids.forEach((id, i) => store.add(request(id, 1000 + i)));
    expect(store.stats()).toEqual({ traces: 2, spans: 6, droppedSpans: 0, evictedTraces: 2 });
    expect(store.get(ids[3]!)).toBeDefined();
  });

  test('When a span carries huge or too many attributes and events, then the store keeps a bounded copy', () => {
    const store = createTraceStore();
    const traceId = newTraceId();
    const attributes = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key.${i}`, 'x'.repeat(100_000)]));
    const events = Array.from({ length: 1000 }, (_, i) => ({ name: `event ${i}`, timeMs: 1, attributes: { big: 'y'.repeat(50_000) } }));
    store.add([span({ traceId, name: 'n'.repeat(10_000), attributes, events })]);
    const [kept] = store.get(traceId)?.spans ?? [];
    expect(Object.keys(kept?.attributes ?? {})).toHaveLength(SPAN_LIMITS.attributes);
    expect(Math.max(...Object.values(kept?.attributes ?? {}).map((v) => String(v).length))).toBeLessThanOrEqual(SPAN_LIMITS.textLength);
    expect(kept?.events).toHaveLength(SPAN_LIMITS.events);
    expect(kept?.name.length).toBeLessThanOrEqual(256);
    expect(JSON.stringify(kept).length).toBeLessThan(400_000);
  });

  test('When spans keep arriving under load, then memory stays bounded by the caps, not by what arrived', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const maxSpans = 2000;
    const store = createTraceStore({ maxTraces: 200, maxSpansPerTrace: 20, maxSpans });
    // Every span has attributes of its own, as spans parsed from request bodies do: 4 × 8 KiB, cut to 2 KiB each.
    const template = JSON.stringify(Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`attribute.${i}`, `${i}`.padEnd(8192, 'z')])));
    const batch = () => {
      const traceId = newTraceId();
      return Array.from({ length: 20 }, () => span({ traceId, spanId: newSpanId(), attributes: JSON.parse(template) as Record<string, string> }));
    };
    const before = heap();
    for (let i = 0; i < maxSpans / 20; i++) store.add(batch());
    const full = heap();
    for (let i = 0; i < (10 * maxSpans) / 20; i++) store.add(batch());
    const after = heap();

    expect(store.stats()).toMatchObject({ traces: maxSpans / 20, spans: maxSpans });
    // Kept as sent, the attributes alone would take 2000 × 32 KiB = 62.5 MiB; cut, about a quarter of it.
    expect(full - before).toBeLessThan(24 * 1024 * 1024);
    // Ten times more traffic afterwards does not grow the heap beyond noise.
    expect(after - full).toBeLessThan(8 * 1024 * 1024);
  });
});
