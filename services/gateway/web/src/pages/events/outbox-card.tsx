import { retryEvent } from '../../api/events';
import type { ApiResult } from '../../api/http';
import type { AdminEvents, OutboxState } from '../../api/types';
import { Card } from '../../components/card';
import { DataTable, type Column } from '../../components/data-table';
import { ResultNote } from '../../components/result-note';
import { StatePill } from '../../components/status';
import { formatTime } from '../../format';
import { useApiAction } from '../../hooks/use-api-action';
import { serviceInfo } from '../../services';

type Recent = OutboxState['recent'][number];
type DeadLetter = OutboxState['dead_letters'][number];
type Inbox = OutboxState['inbox'];
type Applied = Inbox['recent'][number];

const RECENT: readonly Column<Recent>[] = [
  { header: 'Type', cell: (e) => e.type },
  { header: 'Subject', cell: (e) => <code>{e.subject}</code> },
  { header: 'State', cell: (e) => <StatePill state={e.state} /> },
  { header: 'Attempts', cell: (e) => e.attempts, numeric: true, className: 'hide-narrow' },
  { header: 'Time', cell: (e) => <time dateTime={e.created_at}>{formatTime(e.created_at)}</time>, cellClassName: 'muted' },
];

const APPLIED: readonly Column<Applied>[] = [
  { header: 'Type', cell: (e) => e.type },
  { header: 'Event', cell: (e) => <code title={e.event_id}>{e.event_id.length > 12 ? `${e.event_id.slice(0, 12)}…` : e.event_id}</code>, className: 'hide-narrow', cellClassName: 'muted' },
  { header: 'Applied', cell: (e) => <time dateTime={e.applied_at}>{formatTime(e.applied_at)}</time>, cellClassName: 'muted' },
];

/**
 * What the service consumed: how many events it applied (each once, by id), how many deliveries
 * of an already applied event it dropped, and the latest it applied.
 */
function InboxSection({ label, inbox }: { label: string; inbox: Inbox }) {
  return (
    <div className="inbox" data-applied={inbox.applied} data-duplicates={inbox.duplicates}>
      <h3 className="events-subhead">Inbox</h3>
      <dl className="stats events-stats inbox-stats">
        <div>
          <dt>Applied</dt>
          <dd data-stat="applied">{inbox.applied}</dd>
        </div>
        <div>
          <dt>Duplicates dropped</dt>
          <dd data-stat="duplicates">{inbox.duplicates}</dd>
        </div>
      </dl>
      <DataTable
        label={`Latest events applied by ${label}`}
        columns={APPLIED}
        rows={inbox.recent}
        rowKey={(e) => e.event_id}
        rowProps={(e) => ({ 'data-inbox-type': e.type })}
        empty="No event applied yet."
      />
    </div>
  );
}

/** The dead letters, each with a button that asks its service to send it again. */
function DeadLetters({ service, label, token, letters }: { service: string; label: string; token: string; letters: readonly DeadLetter[] }) {
  const retry = useApiAction<unknown>();
  const columns: readonly Column<DeadLetter>[] = [
    { header: 'Type', cell: (e) => e.type },
    { header: 'Subject', cell: (e) => <code>{e.subject}</code> },
    { header: 'Attempts', cell: (e) => e.attempts, numeric: true, className: 'hide-narrow' },
    { header: 'Last error', cell: (e) => e.last_error ?? '—', cellClassName: 'muted', className: 'hide-narrow' },
    {
      header: <span className="visually-hidden">Action</span>,
      cell: (e) => (
        <button
          type="button"
          className="button small"
          disabled={retry.busy}
          aria-label={`Retry ${e.type} ${e.subject}`}
          onClick={() => void retry.run(`Retry ${e.type} on ${label}`, () => retryEvent(token, service, e.event_id) as Promise<ApiResult<unknown>>)}
        >
          Retry
        </button>
      ),
    },
  ];
  return (
    <>
      <h3 className="events-subhead">Dead letters</h3>
      <DataTable label={`Dead letters of ${label}`} columns={columns} rows={letters} rowKey={(e) => e.event_id} rowProps={(e) => ({ 'data-event-id': e.event_id })} empty="No dead letters." />
      {retry.result ? <ResultNote result={retry.result} success="Sent to the relay again: it is pending until published." /> : null}
    </>
  );
}

/**
 * One service's outbox: its backlog, dead letters and lag at a glance, the latest events with
 * their state, and the dead letters to send again; then its inbox, what it consumed. A service that
 * does not answer says why.
 */
export function OutboxCard({ entry, token }: { entry: AdminEvents['services'][number]; token: string }) {
  const label = serviceInfo(entry.service).label;
  const { outbox } = entry;
  return (
    <Card id={`events-${entry.service}`} title={label} subtitle={entry.service} className="events-card">
      <div data-service={entry.service} data-pending={outbox?.pending ?? ''} data-dead={outbox?.dead ?? ''}>
        {outbox ? (
          <>
            <dl className="stats events-stats">
              <div className={outbox.pending > 0 ? 'is-warn' : undefined}>
                <dt>Pending</dt>
                <dd data-stat="pending">{outbox.pending}</dd>
              </div>
              <div className={outbox.dead > 0 ? 'is-warn' : undefined}>
                <dt>Dead</dt>
                <dd data-stat="dead">{outbox.dead}</dd>
              </div>
              <div>
                <dt>Lag</dt>
                <dd data-stat="lag">
                  {(outbox.oldest_pending_ms / 1000).toFixed(1)} <small>s</small>
                </dd>
              </div>
            </dl>
            <h3 className="events-subhead">Outbox: latest events</h3>
            <DataTable
              label={`Latest events of ${label}`}
              columns={RECENT}
              rows={outbox.recent}
              rowKey={(e) => e.event_id}
              rowProps={(e) => ({ 'data-event-type': e.type, 'data-state': e.state })}
              empty="No events recorded yet."
            />
            <DeadLetters service={entry.service} label={label} token={token} letters={outbox.dead_letters} />
            {outbox.inbox ? <InboxSection label={label} inbox={outbox.inbox} /> : null}
          </>
        ) : (
          <p className="banner" role="status">
            {label} does not answer: {entry.detail ?? 'no outbox'}.
          </p>
        )}
      </div>
    </Card>
  );
}
