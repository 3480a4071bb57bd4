import { useState } from 'react';
import { getConsistency } from '../api/system';
import { formatTime } from '../format';
import { usePoll } from '../hooks/use-poll';
import { consistencyBadge, consistencyFacts } from './consistency-view';

/** How often the badge asks the gateway to check the money. */
const POLL_MS = 5000;

const ICONS = { ok: '✓', settling: '◐', partial: '◌', down: '✗', unknown: '?' } as const;

/**
 * The money invariant in the top bar, on every page: polls `GET /api/consistency` every 5 s. Green
 * "Money consistent", amber "Money settling" while events on their way will settle a stock
 * mismatch, grey "Money partly checked" when a part could not be read, red "N violations", grey
 * while unknown. Text and an icon carry the state, not the colour alone. It opens its details: what
 * was checked, what is in flight, settling or not checked, and the violations.
 */
export function ConsistencyBadge() {
  const { value } = usePoll((signal) => getConsistency(signal), POLL_MS);
  const [open, setOpen] = useState(false);
  const view = consistencyBadge(value);
  const report = value?.ok ? value.data : undefined;
  const violations = report?.violations ?? [];
  const converging = report?.converging ?? [];
  const down = view.tone === 'down';

  return (
    <>
      <button
        type="button"
        className={`money-badge money-${view.tone}`}
        title={view.title}
        data-testid="money-badge"
        data-tone={view.tone}
        aria-expanded={open}
        aria-controls="money-details"
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">{ICONS[view.tone]}</span> {view.label}
      </button>
      <span className="visually-hidden" role="status">
        {view.label}
      </span>
      {open && (
        <section id="money-details" className="money-panel" aria-label={down ? 'Money invariant violations' : 'Money consistency details'}>
          <div className="money-panel-head">
            <strong>{view.label}</strong>
            <button type="button" className="money-close" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
          {report ? (
            <>
              <dl className="money-facts">
                {consistencyFacts(report).map((fact) => (
                  <div key={fact.key} className={fact.warn ? 'is-warn' : undefined} data-fact={fact.key}>
                    <dt>{fact.label}</dt>
                    <dd>{fact.value}</dd>
                  </div>
                ))}
              </dl>
              <p className="money-checked">Checked at {formatTime(report.checked_at)}; a payment in flight or a mismatch still settling is not a violation.</p>
            </>
          ) : (
            <p>{view.title}</p>
          )}
          {converging.length > 0 ? (
            <>
              <h3 className="money-subhead">Settling</h3>
              <ul className="money-list">
                {converging.map((c) => (
                  <li key={`${c.order_id}-${c.detail}`}>
                    Order {c.order_id}: {c.detail}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {violations.length > 0 ? (
            <>
              <h3 className="money-subhead">Violations</h3>
              <div className="money-table-wrap">
                <table className="money-table">
                  <thead>
                    <tr>
                      <th scope="col">Rule</th>
                      <th scope="col">Order</th>
                      <th scope="col">Payment</th>
                      <th scope="col">Detail</th>
                    </tr>
                  </thead>
                  <tbody>
                    {violations.map((v) => (
                      <tr key={`${v.rule}-${v.order_id ?? ''}-${v.payment_id ?? ''}`}>
                        <td>
                          <code>{v.rule}</code>
                        </td>
                        <td>{v.order_id ?? '–'}</td>
                        <td>{v.payment_id ?? '–'}</td>
                        <td>{v.detail}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          ) : null}
        </section>
      )}
    </>
  );
}
