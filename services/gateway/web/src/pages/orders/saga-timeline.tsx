import type { PaymentSaga } from '../../api/types';
import { ServiceTag } from '../../components/service-tag';
import { StatePill } from '../../components/status';
import { TraceLink } from '../../components/trace-link';
import { formatMoney, formatMs, formatTime } from '../../format';
import { entryViews, sagaEnding } from './timeline-view';

/** A trace made within this long is still arriving at the gateway: its link waits for the spans. */
const FRESH_TRACE_MS = 60_000;

/**
 * One payment attempt and its saga as a vertical timeline, oldest first: each step in words with
 * its outcome, attempt, detail, time (and time since the saga began), the service it called and
 * its trace; compensations marked as such; then how the saga ended, or the step it runs next.
 */
export function SagaTimeline({ saga, index, count }: { saga: PaymentSaga; index: number; count: number }) {
  const { payment } = saga;
  const entries = entryViews(saga);
  const ending = sagaEnding(payment);
  const headingId = `payment-${payment.id}-title`;
  return (
    <section className="saga-payment" data-payment-id={payment.id} data-payment-status={payment.status} aria-labelledby={headingId}>
      <header className="saga-payment-head">
        <h3 id={headingId}>
          Payment #{payment.id}
          {count > 1 ? (
            <span className="muted">
              {' '}
              · attempt {index + 1} of {count}
            </span>
          ) : null}
        </h3>
        <span className="saga-payment-facts">
          <span className="money">{formatMoney(payment.amount)}</span>
          <StatePill state={payment.status} />
        </span>
      </header>
      <ol className="saga-timeline" aria-label={`Steps of payment ${payment.id}`}>
        {entries.map((entry, i) => {
          // The step that ended the saga says what it led to (a charge "done" that was a decline ends the payment FAILED).
          const ends = i === entries.length - 1 && payment.status !== 'PENDING' ? payment.status : undefined;
          return (
            <li
              key={entry.key}
              className={`saga-entry outcome-${entry.outcome} ${entry.compensation ? 'is-compensation' : ''} ${ends ? `ends-${ends.toLowerCase()}` : ''}`}
              data-step={entry.step}
              data-outcome={entry.outcome}
              data-attempt={entry.attempt}
              data-compensation={entry.compensation ? 'yes' : 'no'}
              data-ends={ends}
            >
              <span className="saga-marker" aria-hidden="true" />
              <div className="saga-entry-body">
                <div className="saga-entry-head">
                  <span className="saga-step">{entry.words}</span>
                  {entry.compensation ? <span className="compensation-tag">↩ compensation</span> : null}
                  <StatePill state={entry.outcome} />
                  <span className="saga-attempt">attempt {entry.attempt}</span>
                  {ends ? <span className={`ends-tag ends-tag-${ends.toLowerCase()}`}>→ payment {ends}</span> : null}
                </div>
                <p className="saga-detail">{entry.detail}</p>
                <p className="saga-meta">
                  <ServiceTag name={entry.service} short />
                  <span>
                    <time dateTime={entry.at}>{formatTime(entry.at)}</time>
                    {entry.offsetMs > 0 ? <span className="muted"> · +{formatMs(entry.offsetMs)}</span> : null}
                  </span>
                  {entry.traceId ? <TraceLink traceId={entry.traceId} fresh={Date.now() - Date.parse(entry.at) < FRESH_TRACE_MS} /> : <span className="muted">no trace</span>}
                </p>
              </div>
            </li>
          );
        })}
        <li className={`saga-end ending-${ending.tone}`} data-ending={payment.status}>
          <span className="saga-marker" aria-hidden="true" />
          <div className="saga-entry-body">
            <p className="saga-end-text" role={payment.status === 'PENDING' ? 'status' : undefined}>
              {ending.text}
            </p>
          </div>
        </li>
      </ol>
    </section>
  );
}
