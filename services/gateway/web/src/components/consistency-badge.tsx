import { useState } from 'react';
import { getConsistency } from '../api/system';
import { usePoll } from '../hooks/use-poll';
import { consistencyBadge } from './consistency-view';

/** How often the badge asks the gateway to check the money. */
const POLL_MS = 5000;

/**
 * The money invariant in the top bar, on every page: polls `GET /api/consistency` every 5 s. Green
 * "Money consistent" (counts in the tooltip), red "N violations" that opens the list of them, grey
 * while unknown. Text and an icon carry the state, not the colour alone.
 */
export function ConsistencyBadge() {
  const { value } = usePoll((signal) => getConsistency(signal), POLL_MS);
  const [open, setOpen] = useState(false);
  const view = consistencyBadge(value);
  const violations = value?.data?.violations ?? [];
  const icon = view.tone === 'ok' ? '✓' : view.tone === 'down' ? '✗' : '?';

  if (view.tone !== 'down') {
    return (
      <span className={`money-badge money-${view.tone}`} title={view.title} data-testid="money-badge" role="status">
        <span aria-hidden="true">{icon}</span> {view.label}
        <span className="visually-hidden"> ({view.title})</span>
      </span>
    );
  }
  return (
    <>
      <button
        type="button"
        className="money-badge money-down"
        title={view.title}
        data-testid="money-badge"
        aria-expanded={open}
        aria-controls="money-violations"
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">{icon}</span> {view.label}
      </button>
      {open && (
        <section id="money-violations" className="money-panel" aria-label="Money invariant violations">
          <div className="money-panel-head">
            <strong>{view.label}</strong>
            <button type="button" className="money-close" onClick={() => setOpen(false)}>
              Close
            </button>
          </div>
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
        </section>
      )}
    </>
  );
}
