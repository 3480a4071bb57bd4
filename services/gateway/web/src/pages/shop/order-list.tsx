import { cancelOrder } from '../../api/shop';
import type { Order, OrderWithParties } from '../../api/types';
import { Card } from '../../components/card';
import { DataTable, type Column } from '../../components/data-table';
import { ResultNote } from '../../components/result-note';
import { StatePill } from '../../components/status';
import { formatMoney, formatTime } from '../../format';
import { useApiAction } from '../../hooks/use-api-action';
import { Link } from '../../router';
import { stepPhrase } from '../orders/timeline-view';
import { usePayment, type PaymentProgress } from './use-payment';

export interface OrderListProps {
  orders: readonly OrderWithParties[];
  total: number | undefined;
  onPaid: () => void;
  /** Reads the lists again (traffic may have placed and paid orders meanwhile). */
  onRefresh: () => void;
}

/** Why an order was cancelled, in words. */
export const CANCEL_WORDS: Record<NonNullable<Order['cancel_reason']>, string> = {
  cancelled: 'cancelled by its buyer',
  out_of_stock: 'out of stock',
  expired: 'expired unpaid',
  payment_failed: 'the payment failed',
};

/** An order's stock (when its product tracks stock), expiry and cancel reason, under its status. */
export function OrderState({ order }: { order: Order }) {
  return (
    <span className="order-state">
      <StatePill state={order.status} />
      {order.stock ? (
        <span className={`stock-tag stock-${order.stock.toLowerCase()}`} data-stock={order.stock}>
          stock {order.stock.toLowerCase()}
        </span>
      ) : null}
      {order.cancel_reason ? (
        <span className="order-reason" data-cancel-reason={order.cancel_reason}>
          {CANCEL_WORDS[order.cancel_reason] ?? order.cancel_reason}
        </span>
      ) : null}
      {order.expires_at && order.status === 'PENDING' ? (
        <span className="order-expiry">
          expires <time dateTime={order.expires_at}>{formatTime(order.expires_at)}</time>
        </span>
      ) : null}
    </span>
  );
}

const COLUMNS: readonly Column<OrderWithParties>[] = [
  {
    header: '#',
    numeric: true,
    cell: (order) => (
      <Link to={`/orders/${order.id}`} className="order-link" title={`Open the saga timeline of order ${order.id}`} aria-label={`Timeline of order ${order.id}`}>
        {order.id}
      </Link>
    ),
  },
  { header: 'User', cell: (order) => order.user?.name ?? <span className="muted">#{order.user_id}</span> },
  { header: 'Product', cell: (order) => order.product?.name ?? <span className="muted">#{order.product_id}</span> },
  { header: 'Qty', numeric: true, cell: (order) => order.quantity },
  { header: 'Total', numeric: true, cellClassName: 'money', cell: (order) => formatMoney(order.total) },
  { header: 'Status', cell: (order) => <OrderState order={order} /> },
  { header: 'Placed', className: 'hide-narrow', cellClassName: 'muted', cell: (order) => formatTime(order.created_at) },
];

/** The Pay action's outcome in one line: paid, still being processed (and its step), declined, refused, or how its saga ended. */
function PaymentNote({ progress }: { progress: PaymentProgress }) {
  const { answer, payment, orderId, processing, pollError } = progress;
  const timeline = (
    <>
      {' · '}
      <Link to={`/orders/${orderId}`}>{processing ? 'watch its saga' : 'its saga timeline'}</Link>
    </>
  );
  if (!answer.ok || !payment) {
    const outcome = answer.status === 402 ? 'declined' : answer.status === 409 ? 'refused' : 'error';
    return (
      <ResultNote result={answer} success="" outcome={outcome}>
        {answer.status === 402 || answer.status === 409 ? timeline : null}
      </ResultNote>
    );
  }
  const amount = formatMoney(payment.amount);
  if (processing) {
    const step = payment.step ? `: ${stepPhrase(payment.step)}` : '';
    const message = `Payment #${payment.id} of order #${orderId} is being processed${step}…${pollError ? ` (the last check failed: ${pollError}; checking again)` : ''}`;
    return (
      <ResultNote result={answer} success="" message={message} tone="pending" outcome="processing">
        {timeline}
      </ResultNote>
    );
  }
  const later = answer.status === 202 ? ' after the saga went on in the background' : '';
  switch (payment.status) {
    case 'COMPLETED':
      return <ResultNote result={answer} success={`Paid order #${orderId}: ${amount}, payment COMPLETED${later}`} outcome="completed">{timeline}</ResultNote>;
    case 'FAILED':
      return (
        <ResultNote result={answer} success="" tone="error" message={`Payment #${payment.id} FAILED${later}: ${payment.reason ?? 'no reason given'}. No money was taken.`} outcome="failed">
          {timeline}
        </ResultNote>
      );
    case 'REFUNDED':
      return (
        <ResultNote result={answer} success="" tone="error" message={`Payment #${payment.id} REFUNDED${later}: ${payment.reason ?? 'compensated'}. The money was given back; order #${orderId} is cancelled.`} outcome="refunded">
          {timeline}
        </ResultNote>
      );
    default:
      return <ResultNote result={answer} success={`Payment #${payment.id}: ${payment.status}`} />;
  }
}

/**
 * Orders, newest first, with their user and product; a PENDING one can be paid or cancelled from
 * here, and each opens its saga timeline. A payment the saga finishes in the background (202) is
 * followed here until it is final.
 */
export function OrderList({ orders, total, onPaid, onRefresh }: OrderListProps) {
  const payment = usePayment(onPaid);
  const cancellation = useApiAction<Order>();
  const processingOrder = payment.progress?.processing ? payment.progress.orderId : undefined;
  const busy = payment.paying !== undefined || cancellation.busy;

  const cancel = async (orderId: number) => {
    await cancellation.run(`Cancel order #${orderId}`, () => cancelOrder(orderId));
    onPaid();
  };

  const columns: readonly Column<OrderWithParties>[] = [
    ...COLUMNS,
    {
      header: <span className="visually-hidden">Action</span>,
      cellClassName: 'row-action',
      cell: (order) =>
        order.status === 'PENDING' ? (
          <>
            <button type="button" className="button small" disabled={busy || processingOrder === order.id} onClick={() => void payment.pay(order.id)} aria-label={`Pay order ${order.id}`}>
              {payment.paying === order.id || processingOrder === order.id ? 'Paying…' : 'Pay'}
            </button>{' '}
            <button type="button" className="button small ghost" disabled={busy} onClick={() => void cancel(order.id)} aria-label={`Cancel order ${order.id}`}>
              Cancel
            </button>
          </>
        ) : null,
    },
  ];

  return (
    <Card
      id="orders"
      title="Orders"
      subtitle={<>Order service · orders.db, with users and products embedded{total !== undefined ? ` · ${total} in all` : ''} · open an order's number for its saga</>}
      actions={
        <button type="button" className="button ghost small" onClick={onRefresh}>
          Refresh
        </button>
      }
    >
      {payment.progress ? <PaymentNote progress={payment.progress} /> : null}
      {cancellation.result ? (
        <ResultNote result={cancellation.result} success={cancellation.result.data ? `Cancelled order #${cancellation.result.data.id}` : 'Cancelled'} />
      ) : null}
      <DataTable
        label="Orders"
        columns={columns}
        rows={orders}
        rowKey={(order) => order.id}
        rowProps={(order) => ({ 'data-order-id': order.id, 'data-order-status': order.status, ...(order.stock ? { 'data-stock': order.stock } : {}) })}
        empty="No orders yet: place one above."
      />
    </Card>
  );
}
