import { useActivity } from '../../api/activity';
import { Card } from '../../components/card';
import { TraceLink } from '../../components/trace-link';
import { formatMs } from '../../format';

/** The requests this page made, newest first, each with its status, time and trace. */
export function ActivityPanel() {
  const entries = useActivity();
  return (
    <Card id="activity" title="Activity" subtitle="Every action is one request to the gateway; open its trace to see the hops behind it">
      {entries.length === 0 ? (
        <p className="empty">Nothing yet. Create a user to start.</p>
      ) : (
        <ol className="activity">
          {entries.map(({ id, at, summary, result }) => (
            <li key={id} className={result.ok ? 'is-ok' : 'is-error'}>
              <span className="activity-status" aria-label={result.ok ? 'succeeded' : 'failed'}>
                {result.status || '—'}
              </span>
              <span className="activity-main">
                <span className="activity-summary">{summary}</span>
                <code className="activity-request">
                  {result.method} {result.path.split('?')[0]}
                </code>
              </span>
              <span className="activity-meta">
                <span>{formatMs(result.durationMs)}</span>
                {result.traceId ? <TraceLink traceId={result.traceId} fresh /> : <span className="muted" title={result.requestId}>{at.toLocaleTimeString([], { hour12: false })}</span>}
              </span>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}
