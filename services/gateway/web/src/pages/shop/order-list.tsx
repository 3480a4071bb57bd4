import { useState } from 'react';
import { cancelOrder, payOrder } from '../../api/shop';
import type { Order, OrderWithParties, Payment } from '../../api/types';
import { Card } from '../../components/card';
import { DataTable, type Column } from '../../components/data-table';
import { ResultNote } from '../../components/result-note';
import { StatePill } from '../../components/status';
import { formatMoney, formatTime } from '../../format';
import { useApiAction } from '../../hooks/use-api-action';

export interface OrderListProps {
  orders: readonly OrderWithParties[];
  total: number | undefined;
  onPaid: () => void;
  /** Reads the lists again (traffic may have placed and paid orders meanwhile). */
  onRefresh: () => void;
}

const COLUMNS: readonly Column<OrderWithParties>[] = [
  { header: '#', numeric: true, cell: (order) => order.id },
  { header: 'User', cell: (order) => order.user?.name ?? <span className="muted">#{order.user_id}</span> },
  { header: 'Product', cell: (order) => order.product?.name ?? <span className="muted">#{order.product_id}</span> },
  { header: 'Qty', numeric: true, cell: (order) => order.quantity },
  { header: 'Total', numeric: true, cellClassName: 'money', cell: (order) => formatMoney(order.total) },
  { header: 'Status', cell: (order) => <StatePill state={order.status} /> },
  { header: 'Placed', className: 'hide-narrow', cellClassName: 'muted', cell: (order) => formatTime(order.created_at) },
];

/** Orders, newest first, with their user and product; a PENDING one can be paid or cancelled from here. */
export function OrderList({ orders, total, onPaid, onRefresh }: OrderListProps) {
  const [paying, setPaying] = useState<number>();
  const payment = useApiAction<Payment>();
  const cancellation = useApiAction<Order>();

  const pay = async (orderId: number) => {
    setPaying(orderId);
    await payment.run(`Pay order #${orderId}`, () => payOrder(orderId));
    setPaying(undefined);
    onPaid();
  };

  const cancel = async (orderId: number) => {
    setPaying(orderId);
    await cancellation.run(`Cancel order #${orderId}`, () => cancelOrder(orderId));
    setPaying(undefined);
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
            <button type="button" className="button small" disabled={paying !== undefined} onClick={() => void pay(order.id)} aria-label={`Pay order ${order.id}`}>
              {paying === order.id ? 'Working…' : 'Pay'}
            </button>{' '}
            <button type="button" className="button small ghost" disabled={paying !== undefined} onClick={() => void cancel(order.id)} aria-label={`Cancel order ${order.id}`}>
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
      subtitle={<>Order service · orders.db, with users and products embedded{total !== undefined ? ` · ${total} in all` : ''}</>}
      actions={
        <button type="button" className="button ghost small" onClick={onRefresh}>
          Refresh
        </button>
      }
    >
      {payment.result ? (
        <ResultNote
          result={payment.result}
          success={payment.result.data ? `Paid order #${payment.result.data.order_id}: ${formatMoney(payment.result.data.amount)}, payment ${payment.result.data.status}` : 'Paid'}
        />
      ) : null}
      {cancellation.result ? (
        <ResultNote result={cancellation.result} success={cancellation.result.data ? `Cancelled order #${cancellation.result.data.id}` : 'Cancelled'} />
      ) : null}
      <DataTable
        label="Orders"
        columns={columns}
        rows={orders}
        rowKey={(order) => order.id}
        rowProps={(order) => ({ 'data-order-id': order.id })}
        empty="No orders yet: place one above."
      />
    </Card>
  );
}
