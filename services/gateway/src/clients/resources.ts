import { AppError, createResourceClient, matchesContract, type ReadOptions, type ResourceClient, type ServiceClient, type ServiceIdentity } from '@microshop/chassis';
import { MAX_PAGE_SIZE, Order, Payment, PaymentSaga, Product, StockLedger, TOTAL_COUNT_HEADER, User, type Reservation } from '@microshop/contracts';
import { Type } from 'typebox';
import type { Upstreams } from './upstreams.js';

const OrderList = Type.Array(Order);
const PaymentList = Type.Array(Payment);

/** What the composed views read from the services, each read one call whatever the number of rows. */
export interface Resources {
  users: ResourceClient<User>;
  products: ResourceClient<Product>;
  orders: ResourceClient<Order>;
  /** Every order of one user, newest first, orders alone (no embedding, so the User service is not asked). */
  ordersOfUser(userId: number, options?: ReadOptions): Promise<Order[]>;
  /** Every payment of the given orders, in one call per 1000 orders. */
  paymentsOfOrders(orderIds: readonly number[], options?: ReadOptions): Promise<Payment[]>;
  /** A payment with its saga's log. */
  sagaOf(paymentId: number, options?: ReadOptions): Promise<PaymentSaga>;
  /** An order's stock reservation (Product's internal books, read with the service credential), or null when it has none. */
  reservationOf(orderId: number, options?: ReadOptions): Promise<Reservation | null>;
}

async function readList<T>(client: ServiceClient, path: string, query: Record<string, number | boolean | readonly number[]>, schema: object, deadline: number | undefined) {
  const { status, headers, body } = await client.call<unknown>({
    path,
    query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v])),
    ...(deadline ? { deadline } : {}),
  });
  if (status !== 200 || !matchesContract<T[]>(schema, body)) throw AppError.badGateway(client.service, `${client.service} answered ${status} to GET ${path}`);
  return { items: body, total: Number(headers[TOTAL_COUNT_HEADER] ?? body.length) };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The services' data as the gateway's composed views read it, over the gateway's own pools. */
export function createResources(upstreams: Upstreams, identity: ServiceIdentity): Resources {
  const orderClient = upstreams['order-service'].api;
  const paymentClient = upstreams['payment-service'].api;
  const productClient = upstreams['product-service'].api;
  return {
    users: createResourceClient<User>(upstreams['user-service'].api, '/api/users', User),
    products: createResourceClient<Product>(upstreams['product-service'].api, '/api/products', Product),
    orders: createResourceClient<Order>(orderClient, '/api/orders', Order),
    async ordersOfUser(userId, { deadline } = {}) {
      const orders: Order[] = [];
      for (let offset = 0; ; offset += MAX_PAGE_SIZE) {
        const query = { user_id: userId, embed: false, limit: MAX_PAGE_SIZE, offset };
        const page = await readList<Order>(orderClient, '/api/orders', query, OrderList, deadline);
        orders.push(...page.items);
        if (page.items.length < MAX_PAGE_SIZE || orders.length >= page.total) return orders;
      }
    },
    async paymentsOfOrders(orderIds, { deadline } = {}) {
      const pages = await Promise.all(
        chunks([...new Set(orderIds)], MAX_PAGE_SIZE).map((ids) => readList<Payment>(paymentClient, '/api/payments', { order_id: ids }, PaymentList, deadline)),
      );
      return pages.flatMap((page) => page.items);
    },
    async sagaOf(paymentId, { deadline } = {}) {
      const { status, body } = await paymentClient.call<unknown>({ path: `/api/payments/${paymentId}/saga`, ...(deadline ? { deadline } : {}) });
      if (status !== 200 || !matchesContract<PaymentSaga>(PaymentSaga, body)) throw AppError.badGateway('payment-service', `payment-service answered ${status} to GET /api/payments/${paymentId}/saga`);
      return body;
    },
    async reservationOf(orderId, { deadline } = {}) {
      const { status, body } = await productClient.call<unknown>({ path: '/internal/stock', query: { order_id: orderId }, headers: identity.headersFor('product-service'), ...(deadline ? { deadline } : {}) });
      if (status !== 200 || !matchesContract<StockLedger>(StockLedger, body)) throw AppError.badGateway('product-service', `product-service answered ${status} to GET /internal/stock`);
      return body.reservations.find((r) => r.order_id === orderId) ?? null;
    },
  };
}
