import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_TOKEN_HEADER, type ConsistencyReport, type Order, type OutboxState, type Payment, type PaymentSaga, type Product, type ProviderBehaviour, type ProviderLedger, type ServiceName, type User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import type { BackoffPolicy } from '@microshop/supervisor';
import type { SupervisedSystem } from './supervised-system.js';

/** Restarts a crashed process after 100 ms every time: a test that kills it twenty times does not wait for the real backoff. */
export const FAST_RESTART: BackoffPolicy = { initialMs: 100, factor: 1, maxMs: 100, resetAfterMs: 1000 };

/** The environment of a system whose processes accept crash and fault points, with a quick saga. */
export const CRASHABLE_ENV: Record<string, string> = {
  MICROSHOP_TEST_HOOKS: '1',
  SAGA_BACKOFF_MS: '50',
  SAGA_MAX_BACKOFF_MS: '400',
  SAGA_MAX_ATTEMPTS: '4',
  SAGA_LEASE_MS: '3000',
};

/** The system as a crash test drives it: the shop's API, the processes' test hooks, the provider, and the checker. */
export function sagaKit(system: SupervisedSystem) {
  /** The gateway's token for `service`: the one caller of the test hooks, the outboxes and the provider's ledger. */
  const internal = (service: ServiceName | 'payment-provider') => system.keys.headers('gateway', service);
  const admin = { [ADMIN_TOKEN_HEADER]: system.adminToken };
  const pidOf = (service: ServiceName): number | undefined => system.instances().find((i) => i.instance_id === `${service}-1`)?.pid ?? undefined;

  const kit = {
    async user(): Promise<User> {
      const { status, body } = await request<User>(system.url, 'POST', '/api/users', { name: 'Saga', email: `saga-${Math.random().toString(36).slice(2)}@example.com` });
      if (status !== 201) throw new Error(`user: ${status}`);
      return body;
    },
    async product(price: number, stock?: number): Promise<Product> {
      const { status, body } = await request<Product>(system.url, 'POST', '/api/products', { name: `Item ${price}`, price, ...(stock === undefined ? {} : { stock }) });
      if (status !== 201) throw new Error(`product: ${status}`);
      return body;
    },
    async order(user: User, product: Product, quantity = 1): Promise<Order> {
      const { status, body } = await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity });
      if (status !== 201) throw new Error(`order: ${status} ${JSON.stringify(body)}`);
      return body;
    },
    /** Pays through the gateway; a refused or reset connection comes back as status 0. */
    async pay(orderId: number, idempotencyKey?: string): Promise<{ status: number; body: unknown }> {
      try {
        return await request<unknown>(system.url, 'POST', '/api/payments', { order_id: orderId }, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
      } catch (error) {
        return { status: 0, body: String(error) };
      }
    },
    async paymentsOf(orderId: number): Promise<Payment[]> {
      const { status, body } = await request<Payment[]>(system.baseUrl('payment-service'), 'GET', `/api/payments?order_id=${orderId}`);
      if (status !== 200) throw new Error(`payments of order ${orderId}: ${status} ${JSON.stringify(body)}`);
      return body;
    },
    orderOf: async (orderId: number) => (await request<Order>(system.baseUrl('order-service'), 'GET', `/api/orders/${orderId}`)).body,
    sagaOf: async (paymentId: number) => (await request<PaymentSaga>(system.baseUrl('payment-service'), 'GET', `/api/payments/${paymentId}/saga`)).body,
    /** Arms a crash point in a service's replica 1: it SIGKILLs itself the next time it gets there. */
    async arm(service: ServiceName, point: string, skip = 0): Promise<void> {
      const { status, body } = await request(system.baseUrl(service), 'POST', '/internal/test/crash', { point, skip }, internal(service));
      if (status !== 200) throw new Error(`arming ${point} in ${service}: ${status} ${JSON.stringify(body)}`);
    },
    /** Makes a fault point of a service fail (5xx) on every hit until `clearFaults`. */
    async fault(service: ServiceName, point: string): Promise<void> {
      const { status, body } = await request(system.baseUrl(service), 'POST', '/internal/test/fault', { point }, internal(service));
      if (status !== 200) throw new Error(`fault ${point} in ${service}: ${status} ${JSON.stringify(body)}`);
    },
    async clearFaults(service: ServiceName): Promise<void> {
      await request(system.baseUrl(service), 'DELETE', '/internal/test/fault', undefined, internal(service));
    },
    async provider(behaviour: Partial<ProviderBehaviour>): Promise<void> {
      const current = (await request<ProviderBehaviour>(system.url, 'GET', '/api/admin/provider', undefined, admin)).body;
      const { status, body } = await request(system.url, 'PUT', '/api/admin/provider', { ...current, ...behaviour }, admin);
      if (status !== 200) throw new Error(`provider behaviour: ${status} ${JSON.stringify(body)}`);
    },
    /** The provider's ledger for some orders, read with the gateway's service token. */
    ledger: async (orderIds: number[]) => (await request<ProviderLedger>(system.baseUrl('payment-provider'), 'GET', `/v1/ledger?${orderIds.map((id) => `order_id=${id}`).join('&')}`, undefined, internal('payment-provider'))).body,
    outbox: async (service: ServiceName) => (await request<OutboxState>(system.baseUrl(service), 'GET', '/internal/events/outbox', undefined, internal(service))).body,
    pidOf,
    /** Waits until replica 1 of a service runs with another pid than `oldPid` and answers its health check. */
    async restarted(service: ServiceName, oldPid: number | undefined, timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const now = system.instances().find((i) => i.instance_id === `${service}-1`);
        if (now && now.pid !== oldPid && now.state === 'running') {
          try {
            if ((await request(system.baseUrl(service), 'GET', '/health')).status === 200) return;
          } catch {
            // Not listening yet.
          }
        }
        await sleep(50);
      }
      const lines = system.output().split('\n').filter((line) => line.includes(service)).slice(-15).join('\n');
      throw new Error(`${service} was not restarted within ${timeoutMs} ms; its last lines:\n${lines}`);
    },
    /**
     * Waits until no breaker is open in the Payment service (a test that made Order fail leaves its
     * breaker open for a few seconds): each test starts from a calm system.
     */
    async calm(timeoutMs = 15_000): Promise<void> {
      type Breakers = { breakers?: Record<string, string> };
      const closed = async (url: string) => {
        const { body } = await request<Breakers>(url, 'GET', '/health').catch(() => ({ body: {} as Breakers }));
        return body.breakers !== undefined && Object.values(body.breakers).every((state) => state === 'closed');
      };
      // A breaker leaves `open` only when a call tries it after its cool-down: poke both with calls
      // that change nothing (a read through the gateway; a payment of an order that does not exist,
      // which makes Payment read from Order).
      const poke = async () => {
        await request(system.url, 'GET', '/api/payments?limit=1').catch(() => undefined);
        await request(system.baseUrl('payment-service'), 'POST', '/api/payments', { order_id: 2_147_483_647 }).catch(() => undefined);
      };
      const deadline = Date.now() + timeoutMs;
      while (!((await closed(system.baseUrl('payment-service'))) && (await closed(system.url)))) {
        if (Date.now() > deadline) throw new Error(`breakers of payment-service or the gateway still open after ${timeoutMs} ms`);
        await poke();
        await sleep(250);
      }
    },
    report: async () => (await request<ConsistencyReport>(system.url, 'GET', '/api/consistency')).body,
    /**
     * Polls the checker until nothing is in flight or settling and every part was read, then
     * returns that report, how long it took and whether it settled; the last answer when
     * `timeoutMs` runs out (a 503 while a service is still coming back is polled through).
     */
    async converge(timeoutMs = 10_000): Promise<{ report: ConsistencyReport; ms: number; settled: boolean }> {
      const started = Date.now();
      for (;;) {
        const { status, body } = await request<ConsistencyReport>(system.url, 'GET', '/api/consistency');
        const settled = status === 200 && body.in_flight.length === 0 && body.converging.length === 0 && body.events_pending === 0 && body.unavailable.length === 0;
        if (settled || Date.now() - started >= timeoutMs) {
          if (status !== 200) throw new Error(`GET /api/consistency answered ${status}: ${JSON.stringify(body)}`);
          return { report: body, ms: Date.now() - started, settled };
        }
        await sleep(100);
      }
    },
    /** Polls a payment until it is no longer PENDING. */
    async settled(paymentId: number, timeoutMs = 10_000): Promise<Payment> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { status, body } = await request<Payment>(system.baseUrl('payment-service'), 'GET', `/api/payments/${paymentId}`).catch(() => ({ status: 0, body: {} as Payment }));
        if (status === 200 && body.status !== 'PENDING') return body;
        if (Date.now() > deadline) throw new Error(`payment ${paymentId} still ${status === 200 ? `PENDING at ${body.step ?? '?'}` : status} after ${timeoutMs} ms`);
        await sleep(50);
      }
    },
  };
  return kit;
}

export type SagaKit = ReturnType<typeof sagaKit>;
