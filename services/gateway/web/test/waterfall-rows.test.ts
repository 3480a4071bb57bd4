import type { SpanNode } from '@microshop/contracts';
import { describe, expect, test } from 'vitest';
import { flatten, ticks } from '../src/pages/traces/waterfall-rows';

const span = (id: string, children: SpanNode[] = []): SpanNode => ({
  span_id: id.padStart(16, '0'),
  parent_span_id: null,
  service: 'gateway',
  instance: null,
  name: id,
  kind: 'server',
  start: '2026-01-01T00:00:00.000Z',
  offset_ms: 0,
  duration_ms: 1,
  attributes: {},
  status: { code: 'unset' },
  events: [],
  children,
});

describe('Web UI: the waterfall', () => {
  test('Spans read depth first, each under its parent; a folded span hides its descendants', () => {
    const tree = [span('a', [span('b', [span('c')]), span('d')])];
    expect(flatten(tree).map((r) => `${r.span.name}${r.depth}`)).toEqual(['a0', 'b1', 'c2', 'd1']);
    expect(flatten(tree, new Set([span('b').span_id])).map((r) => r.span.name)).toEqual(['a', 'b', 'd']);
  });

  test('The time axis gets round ticks from 0', () => {
    expect(ticks(54)).toEqual([0, 20, 40]);
    expect(ticks(8)).toEqual([0, 2, 4, 6, 8]);
    expect(ticks(0)).toEqual([0]);
  });
});
