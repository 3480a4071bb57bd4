import type { SpanNode } from '@microshop/contracts';
import { describe, expect, test } from 'vitest';
import { buildSpanTree } from '../src/domain/span-tree.js';
import { newSpanId, newTraceId, span } from './span-fixtures.js';

/** `name(child, child)` for a compact view of a tree. */
const shape = (nodes: SpanNode[]): string => nodes.map((n) => (n.children.length ? `${n.name}(${shape(n.children)})` : n.name)).join(', ');

describe('Span tree', () => {
  const traceId = newTraceId();
  const at = 1_000;

  test('When spans arrive in any order, then each sits under its parent and siblings are in start order', () => {
    const root = span({ traceId, name: 'gateway POST', startMs: at });
    const order = span({ traceId, parentSpanId: root.spanId, name: 'order POST', startMs: at + 1 });
    const product = span({ traceId, parentSpanId: order.spanId, name: 'GET product', startMs: at + 3 });
    const user = span({ traceId, parentSpanId: order.spanId, name: 'GET user', startMs: at + 2 });
    const insert = span({ traceId, parentSpanId: order.spanId, name: 'INSERT orders', startMs: at + 9 });
    const tree = buildSpanTree([insert, product, root, user, order], at);
    expect(shape(tree)).toBe('gateway POST(order POST(GET user, GET product, INSERT orders))');
    expect(tree[0]).toMatchObject({ parent_span_id: null, offset_ms: 0 });
    expect(tree[0]?.children[0]).toMatchObject({ span_id: order.spanId, parent_span_id: root.spanId, offset_ms: 1, start: new Date(at + 1).toISOString() });
  });

  test('When a parent has not arrived, then its children are shown as roots, keeping their parent id', () => {
    const missing = newSpanId();
    const root = span({ traceId, name: 'root', startMs: at });
    const orphan = span({ traceId, parentSpanId: missing, name: 'orphan', startMs: at + 5 });
    const child = span({ traceId, parentSpanId: orphan.spanId, name: 'child', startMs: at + 6 });
    const tree = buildSpanTree([child, orphan, root], at);
    expect(shape(tree)).toBe('root, orphan(child)');
    expect(tree[1]?.parent_span_id).toBe(missing);
  });

  test('When spans name each other as parents (a broken client), then every span is still shown exactly once', () => {
    const a = span({ traceId, name: 'a', startMs: at });
    const b = span({ traceId, name: 'b', parentSpanId: a.spanId, startMs: at + 1 });
    a.parentSpanId = b.spanId;
    const self = span({ traceId, name: 'self', startMs: at + 2 });
    self.parentSpanId = self.spanId;
    const tree = buildSpanTree([a, b, self], at);
    const all: string[] = [];
    const walk = (nodes: SpanNode[]) => nodes.forEach((n) => (all.push(n.name), walk(n.children)));
    walk(tree);
    expect(all.sort()).toEqual(['a', 'b', 'self']);
  });

  test('When a span has attributes, a status and events, then the node carries them with ISO times', () => {
    const failed = span({
      traceId,
      name: 'GET /api/products/2',
      kind: 'client',
      startMs: at,
      durationMs: 2.5,
      attributes: { 'http.response.status_code': 503, 'peer.service': 'product-service' },
      status: { code: 'error', message: 'Service Unavailable' },
      events: [{ name: 'exception', timeMs: at + 2, attributes: { 'exception.message': 'boom' } }],
    });
    expect(buildSpanTree([failed], at)[0]).toEqual({
      span_id: failed.spanId,
      parent_span_id: null,
      service: 'order-service',
      instance: 'host:1',
      name: 'GET /api/products/2',
      kind: 'client',
      start: new Date(at).toISOString(),
      offset_ms: 0,
      duration_ms: 2.5,
      attributes: { 'http.response.status_code': 503, 'peer.service': 'product-service' },
      status: { code: 'error', message: 'Service Unavailable' },
      events: [{ name: 'exception', time: new Date(at + 2).toISOString(), attributes: { 'exception.message': 'boom' } }],
      children: [],
    });
  });
});
