import { useState } from 'react';
import { recordActivity } from '../../api/activity';
import type { ApiResult } from '../../api/http';
import { payOrder } from '../../api/shop';
import type { OrderWithParties, Payment } from '../../api/types';
import { Card } from '../../components/card';
import { ResultNote } from '../../components/result-note';
import { StatePill } from '../../components/status';
import { formatMoney, formatTime } from '../../format';

export interface OrderListProps {
  orders: readonly OrderWithParties[];
  total: number | undefined;
  onPaid: () => void;
  /** Reads the lists again (traffic may have placed and paid orders meanwhile). */
  onRefresh: () => void;
}

/** Orders, newest first, with their user and product; a PENDING one can be paid from here. */
export function OrderList({ orders, total, onPaid, onRefresh }: OrderListProps) {
  const [paying, setPaying] = useState<number>();
  const [result, setResult] = useState<ApiResult<Payment>>();

  const pay = async (orderId: number) => {
    setPaying(orderId);
    const answer = recordActivity(`Pay order #${orderId}`, await payOrder(orderId));
    setResult(answer);
    setPaying(undefined);
    onPaid();
  };

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
      {result ? (
        <ResultNote result={result} success={result.data ? `Paid order #${result.data.order_id}: ${formatMoney(result.data.amount)}, payment ${result.data.status}` : 'Paid'} />
      ) : null}
      <div className="table-wrap">
        <table className="table" aria-label="Orders">
          <thead>
            <tr>
              <th scope="col" className="num">#</th>
              <th scope="col">User</th>
              <th scope="col">Product</th>
              <th scope="col" className="num">Qty</th>
              <th scope="col" className="num">Total</th>
              <th scope="col">Status</th>
              <th scope="col" className="hide-narrow">Placed</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.id} data-order-id={order.id}>
                <td className="num">{order.id}</td>
                <td>{order.user?.name ?? <span className="muted">#{order.user_id}</span>}</td>
                <td>{order.product?.name ?? <span className="muted">#{order.product_id}</span>}</td>
                <td className="num">{order.quantity}</td>
                <td className="num money">{formatMoney(order.total)}</td>
                <td>
                  <StatePill state={order.status} />
                </td>
                <td className="muted hide-narrow">{formatTime(order.created_at)}</td>
                <td className="row-action">
                  {order.status === 'PENDING' ? (
                    <button type="button" className="button small" disabled={paying !== undefined} onClick={() => void pay(order.id)} aria-label={`Pay order ${order.id}`}>
                      {paying === order.id ? 'Paying…' : 'Pay'}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
            {orders.length === 0 ? (
              <tr>
                <td colSpan={8} className="empty">
                  No orders yet: place one above.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
