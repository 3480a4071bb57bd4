import { createDiscovery, type Discovery } from '@microshop/chassis';
import type { EventEnvelope } from '@microshop/contracts';
import { callerIn, startFakeService, type FakeService, type TestKeys } from '@microshop/testkit';

/** The neighbours the Order service's relay delivers its events to, faked, and the discovery that finds them. */
export interface FakeSubscribers {
  /** The Product service: takes the events; the test adds the catalogue routes it needs. */
  products: FakeService;
  /** The Payment service: takes the events. */
  payments: FakeService;
  discovery: Discovery;
  close(): Promise<void>;
}

/**
 * Starts the subscribers of the Order service's events (EVENT_SUBSCRIPTIONS: Product and Payment),
 * each answering `POST /internal/events` as applied, and a discovery that points at them. Each checks
 * the token as the real one does: 401 unless it is valid and meant for it, 403 unless its issuer is
 * the event's source.
 */
export async function startFakeSubscribers(keys: TestKeys): Promise<FakeSubscribers> {
  const products = await startFakeService();
  const payments = await startFakeService();
  for (const [subscriber, name] of [
    [products, 'product-service'],
    [payments, 'payment-service'],
  ] as const) {
    const identity = keys.identity(name);
    subscriber.on('POST', '/internal/events', (call) => {
      const caller = callerIn(identity, call.headers);
      if (caller === undefined) return { status: 401, body: { status: 401, title: 'Service token refused', field: 'x-service-token' } };
      if (caller !== (call.body as EventEnvelope).source) return { status: 403, body: { status: 403, title: 'Caller not allowed', field: 'source' } };
      return { body: { result: 'applied' } };
    });
  }
  const discovery = createDiscovery({ identity: keys.identity('order-service'), refreshMs: 60_000, targets: { 'product-service': products.url, 'payment-service': payments.url } });
  return {
    products,
    payments,
    discovery,
    close: async () => {
      await discovery.close();
      await products.close();
      await payments.close();
    },
  };
}
