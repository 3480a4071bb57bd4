import { listTraces } from '../../api/traces';
import { Card } from '../../components/card';
import { SelectField } from '../../components/field';
import { PageHeader } from '../../components/page-header';
import { ServiceTag } from '../../components/service-tag';
import { StatusBadge } from '../../components/status';
import { TraceLink } from '../../components/trace-link';
import { formatMs, formatTime } from '../../format';
import { usePoll } from '../../hooks/use-poll';
import { Link, navigate, useLocation } from '../../router';
import { SERVICES } from '../../services';

/** How often the list refreshes. */
const REFRESH_MS = 2000;
/** How many of the most recent traces the list shows. */
const SHOWN = 30;

/** Traces: the most recent ones, filterable by a service taking part and by status; each opens its waterfall. */
export function TracesPage() {
  const { query } = useLocation();
  const service = query.get('service') ?? '';
  const status = query.get('status') === 'ok' || query.get('status') === 'error' ? (query.get('status') as 'ok' | 'error') : undefined;
  const traces = usePoll((signal) => listTraces({ service: service || undefined, status, limit: SHOWN }, signal), REFRESH_MS, `${service}|${status ?? ''}`);
  const result = traces.value;
  const rows = result?.data ?? [];
  const longest = Math.max(1, ...rows.map((t) => t.duration_ms));

  const setFilter = (name: 'service' | 'status', value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    const text = next.toString();
    navigate(`/traces${text ? `?${text}` : ''}`, { replace: true });
  };

  return (
    <>
      <PageHeader
        title="Traces"
        lead="Every request, followed across every service it touched. The gateway keeps the most recent traces in memory; this list refreshes every two seconds."
      />
      <Card
        id="trace-list"
        title="Recent traces"
        subtitle={result?.totalCount !== undefined ? `${rows.length} shown of ${result.totalCount} matching` : undefined}
        actions={
          <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter traces">
            <SelectField id="trace-service" label="Service" value={service} onChange={(e) => setFilter('service', e.target.value)}>
              <option value="">All services</option>
              {SERVICES.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </SelectField>
            <SelectField id="trace-status" label="Status" value={status ?? ''} onChange={(e) => setFilter('status', e.target.value)}>
              <option value="">Any status</option>
              <option value="ok">OK</option>
              <option value="error">Error</option>
            </SelectField>
          </form>
        }
      >
        {result && !result.ok ? <p className="banner is-error">Traces could not be loaded: {result.problem?.detail ?? `status ${result.status}`}</p> : null}
        <div className="table-wrap">
          <table className="table traces-table" aria-label="Traces">
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col" className="hide-narrow">Services</th>
                <th scope="col" className="num hide-narrow">Spans</th>
                <th scope="col" className="duration-col">Duration</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">Started</th>
                <th scope="col" className="hide-narrow">Trace</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((trace) => (
                <tr key={trace.trace_id} data-trace-id={trace.trace_id} className={trace.status === 'error' ? 'is-error-row' : ''}>
                  <td>
                    <Link to={`/traces/${trace.trace_id}`} className="row-link">
                      {trace.root_name}
                    </Link>
                    <div className="muted small">{trace.root_service}</div>
                  </td>
                  <td className="hide-narrow">
                    <span className="tag-list">
                      {trace.services.map((s) => (
                        <ServiceTag key={s} name={s} short />
                      ))}
                    </span>
                  </td>
                  <td className="num hide-narrow">{trace.span_count}</td>
                  <td className="duration-col">
                    <span className="duration-bar" aria-hidden="true">
                      <span style={{ width: `${Math.max(2, (trace.duration_ms / longest) * 100)}%` }} />
                    </span>
                    <span className="num">{formatMs(trace.duration_ms)}</span>
                  </td>
                  <td>
                    <StatusBadge status={trace.status === 'error' ? 'down' : 'ok'} label={trace.status === 'error' ? `${trace.error_count} error${trace.error_count === 1 ? '' : 's'}` : 'OK'} />
                  </td>
                  <td className="muted hide-narrow">{formatTime(trace.start)}</td>
                  <td className="hide-narrow">
                    <TraceLink traceId={trace.trace_id} label="" />
                  </td>
                </tr>
              ))}
              {result?.ok && rows.length === 0 ? (
                <tr>
                  <td colSpan={7} className="empty">
                    No traces{service || status ? ' match these filters' : ' yet'}. Use the <Link to="/shop">shop</Link> or start some <Link to="/traffic">traffic</Link>.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}
