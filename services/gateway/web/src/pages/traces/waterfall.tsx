import { Fragment, useState } from 'react';
import type { Trace } from '../../api/types';
import { formatMs, formatTick } from '../../format';
import { serviceInfo } from '../../services';
import { SpanDetails } from './span-details';
import { flatten, ticks } from './waterfall-rows';

/**
 * A trace's spans on one time axis: each row a span, indented under its parent, coloured by the
 * service that recorded it, its bar placed at its start and as long as it took. A row opens to show
 * the span's attributes, status and events; a span with children folds them away.
 */
export function Waterfall({ trace }: { trace: Trace }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const rows = flatten(trace.spans, collapsed);
  const total = Math.max(trace.duration_ms, 0.001);
  const marks = ticks(total);
  const toggle = (set: ReadonlySet<string>, id: string) => {
    const next = new Set(set);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  };

  return (
    <div className="waterfall" role="table" aria-label="Spans">
      <div className="wf-row wf-axis" role="row">
        <div className="wf-name" role="columnheader">
          Span
        </div>
        <div className="wf-time" role="columnheader" aria-label="Timeline">
          {marks.map((t) => (
            <span key={t} className="wf-tick" style={{ left: `${(t / total) * 100}%` }}>
              {formatTick(t)}
            </span>
          ))}
        </div>
      </div>
      {rows.map(({ span, depth, hasChildren }) => {
        const info = serviceInfo(span.service);
        const isOpen = open.has(span.span_id);
        const left = (span.offset_ms / total) * 100;
        const width = Math.max((span.duration_ms / total) * 100, 0.4);
        const error = span.status.code === 'error';
        return (
          <Fragment key={span.span_id}>
            <div className={`wf-row ${info.tone} ${error ? 'is-error' : ''} ${isOpen ? 'is-open' : ''}`} role="row" data-service={span.service} data-span-name={span.name}>
              <div className="wf-name" role="cell" style={{ paddingLeft: `${0.5 + depth * 1}rem` }}>
                {hasChildren ? (
                  <button
                    type="button"
                    className="wf-fold"
                    aria-expanded={!collapsed.has(span.span_id)}
                    aria-label={`${collapsed.has(span.span_id) ? 'Show' : 'Hide'} the spans under ${span.name}`}
                    onClick={() => setCollapsed((c) => toggle(c, span.span_id))}
                  >
                    {collapsed.has(span.span_id) ? '▸' : '▾'}
                  </button>
                ) : (
                  <span className="wf-fold-space" aria-hidden="true" />
                )}
                <button type="button" className="wf-span" aria-expanded={isOpen} onClick={() => setOpen((o) => toggle(o, span.span_id))}>
                  <span className="service-swatch" aria-hidden="true" />
                  <span className="wf-service">{info.label}</span>
                  <span className="wf-span-name">{span.name}</span>
                  {error ? <span className="wf-error-mark">error</span> : null}
                </button>
              </div>
              <div className="wf-time" role="cell">
                <span className="wf-bar" style={{ left: `${left}%`, width: `${width}%` }} title={`${span.name}: ${formatMs(span.duration_ms)} at +${formatMs(span.offset_ms)}`} />
                <span
                  className={`wf-duration ${width > 25 ? 'is-inside' : ''}`}
                  style={width > 25 ? { right: `calc(${100 - left - width}% + 6px)` } : left + width > 85 ? { right: `calc(${100 - left}% + 6px)` } : { left: `calc(${left + width}% + 6px)` }}
                >
                  {formatMs(span.duration_ms)}
                </span>
              </div>
            </div>
            {isOpen ? (
              <div className="wf-details" role="row">
                <div role="cell">
                  <SpanDetails span={span} />
                </div>
              </div>
            ) : null}
          </Fragment>
        );
      })}
    </div>
  );
}
