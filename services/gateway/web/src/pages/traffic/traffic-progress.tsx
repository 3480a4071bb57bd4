import type { TrafficRun } from '../../api/types';
import { Card } from '../../components/card';
import { formatShare, formatTime } from '../../format';

const OPERATIONS: Record<string, string> = {
  seed: 'Set up users and products',
  list_products: 'Browse the catalogue',
  view_product: 'Look at a product',
  list_orders: 'List orders',
  view_order: 'Open an order (composed view)',
  place_order: 'Place an order',
  pay_order: 'Pay an order',
};

/** The order the table lists them in: setting up, then a shopper's path. */
const ORDER = Object.keys(OPERATIONS);

const STATES: Record<TrafficRun['state'], string> = { idle: 'No run yet', running: 'Running', completed: 'Completed', stopped: 'Stopped' };

/** The current or last run: a progress bar, the counts, and what each kind of request did. */
export function TrafficProgress({ run }: { run: TrafficRun | undefined }) {
  if (!run || run.state === 'idle') {
    return (
      <Card id="traffic-run" title="Progress" subtitle="No run yet">
        <p className="empty">Start a run to see it here.</p>
      </Card>
    );
  }
  const percent = Math.round(run.progress * 100);
  const failureShare = run.totals.sent ? run.totals.failed / run.totals.sent : 0;
  return (
    <Card
      id="traffic-run"
      title="Progress"
      subtitle={`${run.rate}/s for ${run.duration_s} s · started ${run.started_at ? formatTime(run.started_at) : '—'}`}
      actions={<span className={`pill pill-run-${run.state}`} data-state={run.state}>{STATES[run.state]}</span>}
    >
      <div className="progress">
        <div
          className={`progress-bar state-${run.state}`}
          role="progressbar"
          aria-label="Traffic run progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
        >
          <span className="progress-fill" style={{ width: `${percent}%` }} />
        </div>
        <span className="progress-text">
          {run.elapsed_s.toFixed(1)} s of {run.duration_s} s · {percent}%
        </span>
      </div>
      <dl className="stats">
        <div>
          <dt>Sent</dt>
          <dd>{run.totals.sent}</dd>
        </div>
        <div>
          <dt>Succeeded</dt>
          <dd>{run.totals.ok}</dd>
        </div>
        <div className={run.totals.failed ? 'is-warn' : ''}>
          <dt>Failed</dt>
          <dd>
            {run.totals.failed} <small>({formatShare(failureShare)})</small>
          </dd>
        </div>
        <div>
          <dt>In flight</dt>
          <dd>{run.in_flight}</dd>
        </div>
      </dl>
      {run.last_error ? (
        <p className="banner is-error">
          Last failure: <code>{run.last_error}</code>
        </p>
      ) : null}
      <div className="table-wrap">
        <table className="table" aria-label="Requests by kind">
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col" className="num">Sent</th>
              <th scope="col" className="num">OK</th>
              <th scope="col" className="num">Failed</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(run.operations)
              .sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b))
              .map(([operation, counts]) => (
              <tr key={operation}>
                <td>{OPERATIONS[operation] ?? operation}</td>
                <td className="num">{counts.sent}</td>
                <td className="num">{counts.ok}</td>
                <td className={`num ${counts.failed ? 'text-error' : ''}`}>{counts.failed}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
