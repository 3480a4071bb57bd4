import { useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { formatRate } from '../../format';
import { PROVIDER, serviceInfo } from '../../services';
import { edgePath, type Box } from './edge-paths';
import type { EdgeView, NodeView } from './model';
import { NodeCard } from './node-card';

function measure(container: HTMLElement, nodes: Map<string, HTMLElement>): Record<string, Box> {
  const origin = container.getBoundingClientRect();
  const boxes: Record<string, Box> = {};
  for (const [name, element] of nodes) {
    const r = element.getBoundingClientRect();
    boxes[name] = { left: r.left - origin.left, top: r.top - origin.top, width: r.width, height: r.height };
  }
  return boxes;
}

const sameBoxes = (a: Record<string, Box>, b: Record<string, Box>) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The spec's diagram, live: the gateway above the four services, each service with its own
 * database and its instances, arrows for every call path with its calls per second. Arrows
 * carrying traffic move. The registry sits beside the gateway, outside the call graph (every
 * process registers there). The payment provider, standing for an outside company, sits below the
 * Payment service that charges through it. On a narrow screen the boxes stack and the arrows give
 * way to the table of calls. `controlsFor` adds controls (scaling) to a service's box.
 */
export function Diagram({ nodes, edges, registry, controlsFor }: { nodes: NodeView[]; edges: EdgeView[]; registry?: NodeView | undefined; controlsFor?: (service: string) => ReactNode }) {
  const container = useRef<HTMLDivElement>(null);
  const elements = useRef(new Map<string, HTMLElement>());
  const [boxes, setBoxes] = useState<Record<string, Box>>({});
  const [size, setSize] = useState({ width: 0, height: 0 });

  useLayoutEffect(() => {
    const el = container.current;
    if (!el) return;
    const update = () => {
      const next = measure(el, elements.current);
      setBoxes((previous) => (sameBoxes(previous, next) ? previous : next));
      setSize((previous) => (previous.width === el.clientWidth && previous.height === el.clientHeight ? previous : { width: el.clientWidth, height: el.clientHeight }));
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    for (const node of elements.current.values()) observer.observe(node);
    return () => observer.disconnect();
  }, [nodes.length, registry !== undefined]);

  const gateway = nodes.find((n) => n.name === 'gateway');
  const services = nodes.filter((n) => n.name !== 'gateway' && n.name !== PROVIDER);
  const provider = nodes.find((n) => n.name === PROVIDER);
  const maxRate = Math.max(1, ...edges.map((e) => e.callsPerS ?? 0));
  const bind = (name: string) => (element: HTMLElement | null) => {
    if (element) elements.current.set(name, element);
    else elements.current.delete(name);
  };

  return (
    <div className="diagram" ref={container}>
      <svg className="diagram-edges" width={size.width} height={size.height} aria-hidden="true">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" markerHeight="11" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
            <path d="M 0 1 L 9 5 L 0 9 z" className="arrow-head" />
          </marker>
          <marker id="arrow-active" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" markerHeight="11" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
            <path d="M 0 1 L 9 5 L 0 9 z" className="arrow-head is-active" />
          </marker>
        </defs>
        {edges.map((edge) => {
          const index = services.findIndex((s) => s.name === edge.to);
          const path = edgePath(edge.from, edge.to, boxes, index);
          if (!path) return null;
          const active = (edge.callsPerS ?? 0) > 0;
          const failing = (edge.errorRate ?? 0) > 0.01;
          const width = active ? 1.5 + 3.5 * Math.min(1, (edge.callsPerS ?? 0) / maxRate) : 1.5;
          return (
            <g
              key={`${edge.from}>${edge.to}`}
              className={`edge ${active ? 'is-active' : ''} ${failing ? 'is-failing' : ''} ${edge.breaker ? `breaker-${edge.breaker}` : ''}`}
              data-edge={`${edge.from}>${edge.to}`}
              data-breaker={edge.breaker ?? 'none'}
            >
              <path d={path.d} className="edge-line" strokeWidth={width} markerEnd={active ? 'url(#arrow-active)' : 'url(#arrow)'} />
              {edge.callsPerS !== null ? (
                <g transform={`translate(${path.labelX}, ${path.labelY})`} className="edge-label">
                  <rect x={-26} y={-10} width={52} height={20} rx={10} />
                  <text textAnchor="middle" dy="4">
                    {formatRate(edge.callsPerS)}/s
                  </text>
                </g>
              ) : null}
            </g>
          );
        })}
      </svg>
      {gateway ? (
        <div className={`diagram-gateway ${registry ? 'with-registry' : ''}`}>
          <NodeCard node={gateway} ref={bind('gateway')} />
          {registry ? <NodeCard node={registry} ref={bind('registry')} /> : null}
        </div>
      ) : null}
      <div className="diagram-services">
        {services.map((node) => (
          <NodeCard key={node.name} node={node} ref={bind(node.name)} controls={controlsFor?.(node.name)} />
        ))}
      </div>
      {provider ? (
        <div className="diagram-outside">
          <NodeCard node={provider} ref={bind(provider.name)} />
        </div>
      ) : null}
      <p className="diagram-legend" aria-hidden="true">
        <span className="legend-line" /> calls by design <span className="legend-line is-active" /> carrying traffic, calls/s as the caller counts them
        <span className="legend-line is-half-open" /> breaker half-open <span className="legend-line is-open" /> breaker open
        {registry ? ' · every instance registers with the registry; callers ask it where the others are and balance over them' : ''}
        {services.length ? ` · ${services.map((s) => serviceInfo(s.name).label).join(', ')} each own one database` : ''}
        {provider ? ' · the payment provider stands for an outside card processor, with its own ledger' : ''}
      </p>
    </div>
  );
}
