import { createDiscovery, type Discovery } from '@microshop/chassis';
import { startFakeService, type FakeService } from '@microshop/testkit';

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
 * each answering `POST /internal/events` as applied, and a discovery that points at them.
 */
export async function startFakeSubscribers(serviceToken: string): Promise<FakeSubscribers> {
  const products = await startFakeService();
  const payments = await startFakeService();
  for (const subscriber of [products, payments]) subscriber.on('POST', '/internal/events', () => ({ body: { result: 'applied' } }));
  const discovery = createDiscovery({ serviceToken, refreshMs: 60_000, targets: { 'product-service': products.url, 'payment-service': payments.url } });
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
