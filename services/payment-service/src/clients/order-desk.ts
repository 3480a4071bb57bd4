import { AppError, createResourceClient, createServiceClient, matchesContract, resolverOf, type BalancingStrategy, type Resilience, type ServiceClient, type ServiceIdentity, type ServiceTarget } from '@microshop/chassis';
import { Order } from '@microshop/contracts';
import type { OrderDesk } from '../domain/deps.js';

export interface OrderDeskOptions {
  /** The Order service: a base URL, or a resolver of its instances. */
  orderService: ServiceTarget;
  timeoutMs: number;
  /** How an instance is picked for each call. */
  balancing?: BalancingStrategy | undefined;
  /** The Payment service's identity: the Order service's status endpoint takes its token only. */
  identity: ServiceIdentity;
  /** The app's resilience (breakers, retries, bulkheads, timeouts); see `resilienceOf`. */
  resilience?: Resilience | undefined;
}

/** The Order service over HTTP, and its pool to close on shutdown. */
export function connectOrderDesk({ orderService, timeoutMs, balancing, identity, resilience }: OrderDeskOptions): OrderDesk & { close(): Promise<void> } {
  const client: ServiceClient = createServiceClient({ service: 'order-service', resolver: resolverOf('order-service', orderService), timeoutMs, resilience, identity, ...(balancing ? { balancing } : {}) });
  const orders = createResourceClient<Order>(client, '/api/orders', Order);
  return {
    find: (id) => orders.find(id),
    async markPaid(id) {
      const { status, body } = await client.call<unknown>({
        method: 'PUT',
        path: `/api/orders/${id}/status`,
        body: { status: 'PAID' },
      });
      if (status === 200 && matchesContract<Order>(Order, body) && body.status === 'PAID') return 'paid';
      if (status === 409) return 'refused';
      throw AppError.badGateway('order-service', `order-service answered ${status} when asked to set order ${id} PAID`);
    },
    async markCancelled(id) {
      const { status, body } = await client.call<unknown>({
        method: 'PUT',
        path: `/api/orders/${id}/status`,
        body: { status: 'CANCELLED', reason: 'payment_failed' },
      });
      if (status === 200 && matchesContract<Order>(Order, body) && body.status === 'CANCELLED') return 'cancelled';
      // Refused: the order is no longer PENDING. Only PAID can refuse CANCELLED; read it to be sure.
      if (status === 409 && (await orders.find(id))?.status === 'PAID') return 'paid';
      throw AppError.badGateway('order-service', `order-service answered ${status} when asked to cancel order ${id}`);
    },
    close: () => client.close(),
  };
}
