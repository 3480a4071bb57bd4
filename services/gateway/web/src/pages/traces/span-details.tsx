import type { SpanNode } from '../../api/types';
import { ServiceTag } from '../../components/service-tag';
import { formatMs } from '../../format';

const text = (value: unknown) => (Array.isArray(value) ? value.map((v) => String(v)).join(', ') : String(value));

/** Everything a span carries: where and when it ran, its status and message, its attributes and events. */
export function SpanDetails({ span }: { span: SpanNode }) {
  const attributes = Object.entries(span.attributes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div className="span-details">
      <dl className="span-facts">
        <div>
          <dt>Service</dt>
          <dd>
            <ServiceTag name={span.service} />
          </dd>
        </div>
        <div>
          <dt>Instance</dt>
          <dd>{span.instance ?? '—'}</dd>
        </div>
        <div>
          <dt>Kind</dt>
          <dd>{span.kind}</dd>
        </div>
        <div>
          <dt>Starts at</dt>
          <dd>+{formatMs(span.offset_ms)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatMs(span.duration_ms)}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd className={span.status.code === 'error' ? 'text-error' : ''}>
            {span.status.code}
            {span.status.message ? `: ${span.status.message}` : ''}
          </dd>
        </div>
        <div className="span-id">
          <dt>Span id</dt>
          <dd>
            <code>{span.span_id}</code>
          </dd>
        </div>
      </dl>
      {attributes.length ? (
        <table className="table compact attributes" aria-label="Attributes">
          <tbody>
            {attributes.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">
                  <code>{key}</code>
                </th>
                <td>
                  <code>{text(value)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {span.events.length ? (
        <ul className="span-events" aria-label="Events">
          {span.events.map((event, i) => (
            <li key={i} className={event.name === 'exception' ? 'is-error' : ''}>
              <strong>{event.name}</strong>
              {Object.entries(event.attributes).map(([key, value]) => (
                <span key={key}>
                  {' '}
                  <code>{key}</code>: {text(value)}
                </span>
              ))}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
