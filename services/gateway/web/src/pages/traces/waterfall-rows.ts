import type { SpanNode } from '../../api/types';

/** One span as a row of the waterfall: the span, how deep it sits, and whether it has children. */
export interface WaterfallRow {
  span: SpanNode;
  depth: number;
  hasChildren: boolean;
}

/**
 * The span tree as rows, depth first, children in start order: the order a waterfall reads in.
 * Spans under a collapsed span are left out.
 */
export function flatten(roots: readonly SpanNode[], collapsed: ReadonlySet<string> = new Set()): WaterfallRow[] {
  const rows: WaterfallRow[] = [];
  const visit = (span: SpanNode, depth: number) => {
    rows.push({ span, depth, hasChildren: span.children.length > 0 });
    if (collapsed.has(span.span_id)) return;
    for (const child of span.children) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  return rows;
}

/** Round tick marks for a time axis of `total` milliseconds: 0, and four or five steps of 1, 2 or 5 × 10ⁿ. */
export function ticks(total: number): number[] {
  if (!(total > 0)) return [0];
  const rough = total / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? rough;
  const marks: number[] = [];
  for (let t = 0; t <= total + 1e-9; t += step) marks.push(Math.round(t * 1000) / 1000);
  return marks;
}
