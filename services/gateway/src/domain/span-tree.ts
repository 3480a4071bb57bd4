import type { SpanRecord } from '@microshop/chassis';
import type { SpanNode } from '@microshop/contracts';

const byStart = (a: SpanNode, b: SpanNode) => a.offset_ms - b.offset_ms;

function toNode(span: SpanRecord, traceStartMs: number): SpanNode {
  return {
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? null,
    service: span.service,
    instance: span.instance ?? null,
    name: span.name,
    kind: span.kind,
    start: new Date(span.startMs).toISOString(),
    offset_ms: Math.round((span.startMs - traceStartMs) * 1000) / 1000,
    duration_ms: Math.round(span.durationMs * 1000) / 1000,
    attributes: span.attributes,
    status: span.status.message === undefined ? { code: span.status.code } : { code: span.status.code, message: span.status.message },
    events: span.events.map((event) => ({ name: event.name, time: new Date(event.timeMs).toISOString(), attributes: event.attributes })),
    children: [],
  };
}

/**
 * Arranges a trace's spans as a tree: each span under its parent, children in start order. A span
 * whose parent has not arrived (or never will) becomes a root of its own, so nothing is hidden;
 * so does a span caught in a parent cycle, which only a broken client could send.
 *
 * @example
 * buildSpanTree(spans, traceStartMs) // [{ name: 'POST /api/orders', children: [{ name: 'order.price', … }, { name: 'GET /api/users/7', … }] }]
 */
export function buildSpanTree(spans: readonly SpanRecord[], traceStartMs: number): SpanNode[] {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) nodes.set(span.spanId, toNode(span, traceStartMs));

  const roots: SpanNode[] = [];
  const parentOf = new Map<SpanNode, SpanNode>();
  for (const node of nodes.values()) {
    const parent = node.parent_span_id === null || node.parent_span_id === node.span_id ? undefined : nodes.get(node.parent_span_id);
    if (parent) {
      parent.children.push(node);
      parentOf.set(node, parent);
    } else {
      roots.push(node);
    }
  }

  // Whatever cannot be reached from a root sits in a cycle: cut it loose as a root of its own.
  const reached = new Set<SpanNode>();
  const visit = (start: SpanNode) => {
    const stack = [start];
    for (let node = stack.pop(); node; node = stack.pop()) {
      if (reached.has(node)) continue;
      reached.add(node);
      stack.push(...node.children);
    }
  };
  roots.forEach(visit);
  for (const node of nodes.values()) {
    if (reached.has(node)) continue;
    const parent = parentOf.get(node);
    if (parent) parent.children.splice(parent.children.indexOf(node), 1);
    roots.push(node);
    visit(node);
  }

  for (const node of nodes.values()) node.children.sort(byStart);
  return roots.sort(byStart);
}
