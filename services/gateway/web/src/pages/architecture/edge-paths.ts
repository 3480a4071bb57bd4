/** A box's position inside the diagram, in pixels. */
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where an edge between two services leaves and arrives, as a share of each box's width, and how deep its arc dips. */
interface Anchor {
  from: number;
  to: number;
  depth: number;
}

/**
 * Anchors for the calls between services, drawn as arcs under the boxes. Nested so that they do
 * not cross: Order → Product inside Order → User, Payment → Order beside them.
 */
const BELOW: Record<string, Anchor> = {
  'order-service>product-service': { from: 0.32, to: 0.62, depth: 44 },
  'order-service>user-service': { from: 0.5, to: 0.5, depth: 92 },
  'payment-service>order-service': { from: 0.4, to: 0.78, depth: 44 },
};

/**
 * Anchors for calls to a box drawn under its caller (the payment provider, under Payment): from the
 * caller's bottom edge, at this share of its width, down to the callee's top, clear of the arcs.
 */
const DOWN: Record<string, number> = {
  'payment-service>payment-provider': 0.78,
};

/** A drawn edge: its SVG path and where its label goes. */
export interface EdgePath {
  d: string;
  labelX: number;
  labelY: number;
}

/**
 * The path of an edge: from the gateway, a curve down to the top of the service; between two
 * services, an arc under both boxes (anchored so that the arcs nest). Undefined for a pair the
 * diagram has no place for.
 */
export function edgePath(from: string, to: string, boxes: Record<string, Box>, serviceIndex: number): EdgePath | undefined {
  const a = boxes[from];
  const b = boxes[to];
  if (!a || !b) return undefined;
  if (from === 'gateway') {
    // Only the boxes of the services' row hang under the gateway.
    if (serviceIndex < 0) return undefined;
    const x1 = a.left + a.width * ((serviceIndex + 0.5) / 4);
    const y1 = a.top + a.height;
    const x2 = b.left + b.width / 2;
    const y2 = b.top;
    const mid = (y1 + y2) / 2;
    return { d: `M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2}`, labelX: (x1 + x2) / 2, labelY: mid };
  }
  const down = DOWN[`${from}>${to}`];
  if (down !== undefined) {
    const x1 = a.left + a.width * down;
    const y1 = a.top + a.height;
    const x2 = b.left + b.width / 2;
    const y2 = b.top;
    const mid = (y1 + y2) / 2;
    return { d: `M ${x1} ${y1} C ${x1} ${mid}, ${x2} ${mid}, ${x2} ${y2}`, labelX: (x1 + x2) / 2, labelY: mid + 14 };
  }
  const anchor = BELOW[`${from}>${to}`];
  if (!anchor) return undefined;
  const x1 = a.left + a.width * anchor.from;
  const x2 = b.left + b.width * anchor.to;
  const y1 = a.top + a.height;
  const y2 = b.top + b.height;
  const bottom = Math.max(y1, y2) + anchor.depth;
  return { d: `M ${x1} ${y1} C ${x1} ${bottom}, ${x2} ${bottom}, ${x2} ${y2}`, labelX: (x1 + x2) / 2, labelY: bottom - anchor.depth * 0.25 };
}
