import { AppError } from '@microshop/chassis';
import type { OrderDetails, OrderTimeline, Payment } from '@microshop/contracts';
import type { Resources } from '../clients/resources.js';
import { settle, valueOr } from './settle.js';
import type { ComposeOptions } from './user-details.js';

/** The payment that tells the order's story: the COMPLETED one, else the latest attempt. */
function paymentOf(payments: Payment[]): Payment | null {
  return payments.find((p) => p.status === 'COMPLETED') ?? payments[0] ?? null;
}

/**
 * An order with its user, product and payment. The order is read first (it names the user and the
 * product); the three others at the same time after it. The order is the root: its owner down is a
 * 503 and an unknown id a 404; any other part missing is null and named in `degraded`.
 */
export async function orderDetails(resources: Resources, id: number, { deadline }: ComposeOptions): Promise<OrderDetails> {
  const order = await resources.orders.find(id, { deadline });
  if (!order) throw AppError.notFound('order', id);

  const [user, product, payments] = await Promise.all([
    settle(resources.users.find(order.user_id, { deadline })),
    settle(resources.products.find(order.product_id, { deadline })),
    settle(resources.paymentsOfOrders([order.id], { deadline })),
  ]);
  const degraded = [...(user.ok ? [] : ['user']), ...(product.ok ? [] : ['product']), ...(payments.ok ? [] : ['payment'])];
  return {
    order,
    user: valueOr(user) ?? null,
    product: valueOr(product) ?? null,
    payment: payments.ok ? paymentOf(payments.value) : null,
    degraded,
  };
}

/**
 * An order's saga as the three services that take part saw it: the order (its owner down is a 503,
 * an unknown id a 404), each payment attempt with its saga's log (oldest attempt first), and the
 * stock reservation. A part that could not be read is null and named in `degraded`.
 */
export async function orderTimeline(resources: Resources, id: number, { deadline }: ComposeOptions): Promise<OrderTimeline> {
  const order = await resources.orders.find(id, { deadline });
  if (!order) throw AppError.notFound('order', id);
  const [sagas, reservation] = await Promise.all([
    settle(
      resources.paymentsOfOrders([order.id], { deadline }).then((payments) =>
        Promise.all([...payments].sort((a, b) => a.id - b.id).map((p) => resources.sagaOf(p.id, { deadline }))),
      ),
    ),
    // Only an order for a product with tracked stock has a reservation to read.
    order.stock === undefined ? Promise.resolve({ ok: true as const, value: null }) : settle(resources.reservationOf(order.id, { deadline })),
  ]);
  return {
    order,
    payments: sagas.ok ? sagas.value : null,
    reservation: reservation.ok ? reservation.value : null,
    degraded: [...(sagas.ok ? [] : ['payments']), ...(reservation.ok ? [] : ['reservation'])],
  };
}
