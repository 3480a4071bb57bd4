import { useRef, useState } from 'react';
import type { ApiResult } from '../../api/http';
import { getOrderTimeline } from '../../api/shop';
import type { OrderTimeline } from '../../api/types';
import { Card } from '../../components/card';
import { PageHeader } from '../../components/page-header';
import { StatePill } from '../../components/status';
import { formatMoney, formatTime } from '../../format';
import { usePoll } from '../../hooks/use-poll';
import { Link } from '../../router';
import { CANCEL_WORDS } from '../shop/order-list';
import { SagaTimeline } from './saga-timeline';
import { reservationWords, settlingReasons, stillSettling } from './timeline-view';

/** How often the timeline is read while the saga runs: a person watches each step land. */
export const TIMELINE_POLL_MS = 1000;

/** What the Order service learnt about the order's stock, in words (what became of the units: the reservation, beside). */
const STOCK_WORDS: Record<NonNullable<OrderTimeline['order']['stock']>, string> = {
  AWAITING: 'the Product service has not answered yet',
  RESERVED: 'the Product service set the units aside for it',
  REJECTED: 'there was not enough stock',
};

/** The order as the Order service has it: status, total, stock, expiry and why it was cancelled. */
function OrderFacts({ timeline }: { timeline: OrderTimeline }) {
  const { order } = timeline;
  return (
    <Card id="order" title="Order" subtitle="Order service · orders.db">
      <dl className="facts" data-order-status={order.status} data-stock={order.stock ?? 'untracked'}>
        <div>
          <dt>Status</dt>
          <dd>
            <StatePill state={order.status} />
          </dd>
        </div>
        <div>
          <dt>Total</dt>
          <dd className="money">
            {formatMoney(order.total)} <span className="muted">· {order.quantity} × product #{order.product_id}</span>
          </dd>
        </div>
        <div>
          <dt>Stock</dt>
          <dd data-fact="stock">
            {order.stock ? (
              <>
                <span className={`stock-tag stock-${order.stock.toLowerCase()}`}>{order.stock.toLowerCase()}</span> <span className="muted">· {STOCK_WORDS[order.stock]}</span>
              </>
            ) : (
              <span className="muted">not tracked (unlimited)</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Expires</dt>
          <dd data-fact="expires">
            {order.expires_at ? (
              <>
                <time dateTime={order.expires_at}>{formatTime(order.expires_at)}</time>
                <span className="muted"> {order.status === 'PENDING' ? '· unpaid by then, it is cancelled and its stock goes back' : '· no longer applies'}</span>
              </>
            ) : (
              <span className="muted">never (it holds no stock)</span>
            )}
          </dd>
        </div>
        {order.cancel_reason ? (
          <div>
            <dt>Cancelled because</dt>
            <dd data-fact="cancel-reason" data-cancel-reason={order.cancel_reason}>
              {CANCEL_WORDS[order.cancel_reason] ?? order.cancel_reason} <code className="muted">{order.cancel_reason}</code>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Placed</dt>
          <dd>
            <time dateTime={order.created_at}>{formatTime(order.created_at)}</time> <span className="muted">· user #{order.user_id}</span>
          </dd>
        </div>
      </dl>
    </Card>
  );
}

/** The order's stock reservation at the Product service, or why there is none. */
function ReservationCard({ timeline }: { timeline: OrderTimeline }) {
  const { order, reservation, degraded } = timeline;
  let body;
  if (reservation) {
    body = (
      <p className="reservation">
        <StatePill state={reservation.state} /> {reservationWords(reservation)}{' '}
        <span className="muted">
          Since <time dateTime={reservation.updated_at}>{formatTime(reservation.updated_at)}</time>.
        </span>
      </p>
    );
  } else if (degraded.includes('reservation')) {
    body = <p className="banner is-error">The Product service did not answer: the reservation is unknown for now.</p>;
  } else if (order.stock === undefined) {
    body = <p className="muted">No reservation: this product does not track stock, any quantity can be ordered.</p>;
  } else if (order.stock === 'AWAITING') {
    body = <p className="muted">Not reserved yet: the Product service has not answered the order's event.</p>;
  } else if (order.stock === 'REJECTED') {
    body = <p className="muted">No reservation: there was not enough stock, so the order was cancelled.</p>;
  } else {
    body = <p className="muted">No reservation found.</p>;
  }
  return (
    <Card id="reservation" title="Stock reservation" subtitle="Product service · products.db, driven by the order's events">
      <div data-reservation-state={reservation?.state ?? 'none'}>{body}</div>
    </Card>
  );
}

/** Every payment attempt of the order with its saga, oldest first. */
function SagaCard({ timeline }: { timeline: OrderTimeline }) {
  const { payments, order } = timeline;
  return (
    <Card
      id="saga"
      title="Payment saga"
      subtitle="Payment service · payments.db: each step, retry and compensation, oldest first, with the service it called and its trace"
    >
      {payments === null ? (
        <p className="banner is-error">The Payment service did not answer: the payments of this order are unknown for now.</p>
      ) : payments.length === 0 ? (
        <p className="empty">
          No payment yet.{' '}
          {order.status === 'PENDING' ? (
            <>
              Pay it from the <Link to="/shop">shop</Link>, then come back to watch its saga.
            </>
          ) : null}
        </p>
      ) : (
        <div className="saga-payments">
          {payments.map((saga, index) => (
            <SagaTimeline key={saga.payment.id} saga={saga} index={index} count={payments.length} />
          ))}
        </div>
      )}
    </Card>
  );
}

/**
 * `/orders/:id`: one order's payment saga as the Order, Payment and Product services recorded it.
 * The timeline is read every second while anything is in motion (a payment running, stock or its
 * reservation catching up), and no more once the order has settled.
 */
export function OrderPage({ orderId }: { orderId: number }) {
  const [version, setVersion] = useState(0);
  const polled = usePoll((signal) => getOrderTimeline(orderId, signal), TIMELINE_POLL_MS, `${orderId}:${version}`, stillSettling);
  const lastGood = useRef<OrderTimeline | undefined>(undefined);
  const answer: ApiResult<OrderTimeline> | undefined = polled.value;
  if (answer?.ok && answer.data) lastGood.current = answer.data;
  const timeline = lastGood.current;
  const live = answer === undefined || stillSettling(answer);
  const reasons = timeline ? settlingReasons(timeline) : [];

  return (
    <>
      <PageHeader
        title={`Order #${orderId}`}
        lead={
          <>
            <Link to="/shop">← Shop</Link> · The payment saga of this order as the Order, Payment and Product services recorded it: every step, retry and compensation, with its trace.
          </>
        }
        actions={
          <div className="live-actions">
            <span className={`live-state ${live ? 'is-live' : 'is-settled'}`} data-polling={live ? 'yes' : 'no'} role="status">
              <span className="live-dot" aria-hidden="true" />
              {live ? 'Live: updating every second' : 'Settled: not updating'}
            </span>
            {!live ? (
              <button type="button" className="button ghost small" onClick={() => setVersion((v) => v + 1)}>
                Refresh
              </button>
            ) : null}
          </div>
        }
      />
      {answer && !answer.ok ? (
        <p className={`banner ${answer.status === 404 ? 'is-error' : ''}`} role="alert">
          {answer.status === 404 ? `There is no order #${orderId}.` : `The timeline could not be read (${answer.problem?.detail ?? `status ${answer.status}`}); trying again.`}
        </p>
      ) : null}
      {timeline && reasons.length > 0 ? (
        <p className="banner settling-banner">Still in motion: {reasons.join('; ')}.</p>
      ) : null}
      {!timeline && !answer ? <p className="empty">Loading…</p> : null}
      {timeline ? (
        <div className="order-grid">
          <OrderFacts timeline={timeline} />
          <ReservationCard timeline={timeline} />
          <SagaCard timeline={timeline} />
        </div>
      ) : null}
    </>
  );
}
