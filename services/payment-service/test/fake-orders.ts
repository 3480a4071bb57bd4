import type { CancelReason, Order, OrderStatus, StockStatus, UpdateOrderStatus } from '@microshop/contracts';
import { callerIn, startFakeService, type FakeResponse, type RecordedCall, type TestKeys } from '@microshop/testkit';

/** How status updates fail: their answer, only those to one status if given, and whether each was applied first (the answer was lost, not the change). */
export interface StatusFailure {
  status: number;
  to?: OrderStatus;
  applied?: boolean;
}

/**
 * The Order service faked at the HTTP level, following its real rules:
 * - `GET /api/orders/:id`: the order, or 404.
 * - `PUT /api/orders/:id/status` (the Payment service's token only: 401 without a valid one for the
 *   Order service, 403 for another service's) `{status: 'PAID'}` or `{status: 'CANCELLED', reason}`:
 *   PENDING → PAID or CANCELLED (200); the same status again: 200, unchanged; PAID → CANCELLED and
 *   CANCELLED → PAID: 409. PAID is refused (409) while the order's stock is AWAITING.
 */
export interface FakeOrders {
  url: string;
  /** Every request received, in order. */
  calls: RecordedCall[];
  /** Adds an order, PENDING unless said otherwise, and returns it as the fake holds it (later changes show). */
  add(order: { id: number; total: number; status?: OrderStatus; stock?: StockStatus }): Order;
  /** The order as it stands now. */
  get(id: number): Order | undefined;
  /** Cancels a PENDING order, as its buyer or the stock would (the Order service then publishes OrderCancelled). */
  cancel(id: number, reason: CancelReason): void;
  /**
   * The Product service answered for the order's stock: RESERVED, or REJECTED (which cancels the
   * order, `out_of_stock`); now, or once the order has been read `afterReads` times (it answers while
   * the saga waits).
   */
  settleStock(id: number, stock: 'RESERVED' | 'REJECTED', options?: { afterReads: number }): void;
  /** The next `n` status updates fail with this answer; `Infinity`: every one. */
  failStatusUpdates(n: number, failure: StatusFailure): void;
  /** The next `n` reads answer this status, or never answer (`hang`); `Infinity`: every one. */
  failReads(n: number, failure: number | 'hang'): void;
  /** Every read answers this instead of the order (a broken Order service). */
  answerReadsWith(answer: (id: number) => FakeResponse): void;
  /** The status updates received (PUT), for one order or all. */
  statusUpdates(id?: number): RecordedCall[];
  close(): Promise<void>;
}

const CREATED_AT = '2024-05-01T10:00:00.000Z';
const problem = (status: number, detail: string): FakeResponse => ({ status, body: { type: `/problems/${status}`, title: 'Problem', status, detail } });

export async function startFakeOrders(keys: TestKeys): Promise<FakeOrders> {
  const fake = await startFakeService();
  const identity = keys.identity('order-service');
  const orders = new Map<number, Order>();
  const reads = new Map<number, number>();
  const settlements = new Map<number, { stock: 'RESERVED' | 'REJECTED'; afterReads: number }>();
  let statusFailures = { remaining: 0, failure: { status: 500 } as StatusFailure };
  let readFailures: { remaining: number; failure: number | 'hang' } = { remaining: 0, failure: 503 };
  let readAnswer: ((id: number) => FakeResponse) | undefined;

  const must = (id: number): Order => {
    const order = orders.get(id);
    if (!order) throw new Error(`the fake has no order ${id}`);
    return order;
  };

  const settle = (id: number, stock: 'RESERVED' | 'REJECTED') => {
    const order = must(id);
    order.stock = stock;
    if (stock === 'REJECTED') {
      order.status = 'CANCELLED';
      order.cancel_reason = 'out_of_stock';
    }
  };

  /** The real transitions: the answer to a status update, applied to the order when allowed. */
  const transition = (order: Order, { status: to, reason }: UpdateOrderStatus): FakeResponse => {
    if (order.status === to) return { body: order };
    if (order.status !== 'PENDING') return problem(409, `Order ${order.id} is ${order.status}; it cannot become ${to}`);
    if (to === 'PAID' && order.stock === 'AWAITING') return problem(409, `Order ${order.id} cannot become PAID while its stock is AWAITING`);
    if (to === 'PENDING') return problem(409, `Order ${order.id} cannot go back to PENDING`);
    order.status = to;
    if (to === 'CANCELLED') order.cancel_reason = reason ?? 'cancelled';
    return { body: order };
  };

  fake.on('GET', '/api/orders/:id', (_call, { id }) => {
    if (readFailures.remaining > 0) {
      readFailures.remaining--;
      return readFailures.failure === 'hang' ? { hang: true } : problem(readFailures.failure, 'the Order service is failing');
    }
    if (readAnswer) return readAnswer(Number(id));
    const read = (reads.get(Number(id)) ?? 0) + 1;
    reads.set(Number(id), read);
    const settlement = settlements.get(Number(id));
    if (settlement && read > settlement.afterReads) {
      settlements.delete(Number(id));
      settle(Number(id), settlement.stock);
    }
    const order = orders.get(Number(id));
    return order ? { body: order } : problem(404, `No order with id ${id}`);
  });

  fake.on('PUT', '/api/orders/:id/status', (call, { id }) => {
    const caller = callerIn(identity, call.headers);
    if (caller === undefined) return problem(401, 'the service token is missing, or not valid for the Order service');
    if (caller !== 'payment-service') return problem(403, `${caller} may not set an order's status`);
    const order = orders.get(Number(id));
    if (!order) return problem(404, `No order with id ${id}`);
    const update = call.body as UpdateOrderStatus;
    if (statusFailures.remaining > 0 && (statusFailures.failure.to === undefined || statusFailures.failure.to === update.status)) {
      statusFailures.remaining--;
      if (statusFailures.failure.applied) transition(order, update);
      return problem(statusFailures.failure.status, 'the status update failed');
    }
    return transition(order, update);
  });

  return {
    url: fake.url,
    calls: fake.calls,
    add({ id, total, status = 'PENDING', stock }) {
      const order: Order = { id, user_id: 1, product_id: 2, quantity: 3, total, status, created_at: CREATED_AT, ...(stock ? { stock } : {}) };
      orders.set(id, order);
      return order;
    },
    get: (id) => orders.get(id),
    cancel(id, reason) {
      const order = must(id);
      if (order.status !== 'PENDING') throw new Error(`order ${id} is ${order.status}: only a PENDING order can be cancelled`);
      order.status = 'CANCELLED';
      order.cancel_reason = reason;
    },
    settleStock(id, stock, { afterReads } = { afterReads: 0 }) {
      if (afterReads > (reads.get(id) ?? 0)) settlements.set(id, { stock, afterReads });
      else settle(id, stock);
    },
    failStatusUpdates: (n, failure) => void (statusFailures = { remaining: n, failure }),
    failReads: (n, failure) => void (readFailures = { remaining: n, failure }),
    answerReadsWith: (answer) => void (readAnswer = answer),
    statusUpdates: (id) => fake.calls.filter((call) => call.method === 'PUT' && (id === undefined || call.path === `/api/orders/${id}/status`)),
    close: () => fake.close(),
  };
}
