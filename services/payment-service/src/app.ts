import { createServer, registerHealth, registerIdempotency, registerServiceEvents, registerTestHooks, resilienceOf, whenServing, type App, type Database, type Discovery, type NatsBroker } from '@microshop/chassis';
import { connectOrderDesk, type OrderDeskOptions } from './clients/order-desk.js';
import { connectProvider } from './clients/provider.js';
import { createPaymentRepository } from './data/payment-repository.js';
import type { PaymentTables } from './data/tables.js';
import type { SagaSettings } from './domain/deps.js';
import { createSagaRunner, createSagaWorker } from './domain/saga.js';
import { registerPaymentRoutes } from './routes/payment-routes.js';
import type { ServiceTarget } from '@microshop/chassis';

/** The saga's defaults: answer within 0.8 s (under the gateway's 1 s first-byte timeout), give a step 5 attempts. */
export const DEFAULT_SAGA: SagaSettings = { budgetMs: 800, maxAttempts: 5, baseBackoffMs: 200, maxBackoffMs: 5000, leaseMs: 5000 };

export interface PaymentAppOptions extends OrderDeskOptions {
  database: Database<PaymentTables>;
  /** The payment provider: a base URL, or a resolver of its instances. */
  provider: ServiceTarget;
  /** Budget of one call to the provider (default 4 s: providers are slower than our own services). */
  providerTimeoutMs?: number;
  saga?: Partial<SagaSettings>;
  /** How often the background runner looks for sagas to resume. */
  sagaPollMs?: number;
  /** Names this process in saga leases; a restarted process frees the leases its predecessor held. */
  instanceId?: string;
  logLevel?: string | false;
  bodyLimit?: number;
  now?: () => Date;
  random?: () => number;
  /** Finds the subscribers the outbox relay delivers events to. */
  discovery?: Discovery;
  /** NATS JetStream when BROKER_URL is set; absent: the embedded HTTP transport. */
  broker?: NatsBroker | undefined;
  /** Test hooks (crash points) on, whatever the environment says. */
  testHooks?: boolean;
}

/** Builds the Payment service's app from its dependencies. Never listens: `main.ts` does, tests inject. */
export async function buildApp({ database, provider, providerTimeoutMs = 4000, saga, sagaPollMs, instanceId = 'payment-service', logLevel, bodyLimit, now = () => new Date(), random, discovery, broker, testHooks, ...deskOptions }: PaymentAppOptions): Promise<App> {
  const app = await createServer({
    name: 'payment-service',
    description: 'Owns payments and runs the payment saga. Calls the Order service and the payment provider. Database: payments.db.',
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    identity: deskOptions.identity,
  });
  const resilience = resilienceOf(app);
  const orders = connectOrderDesk({ ...deskOptions, resilience });
  const providerClient = connectProvider({ provider, timeoutMs: providerTimeoutMs, balancing: deskOptions.balancing, identity: deskOptions.identity, resilience });
  app.addHook('onClose', async () => void (await Promise.all([orders.close(), providerClient.close()])));

  const payments = createPaymentRepository(database.db);
  const deps = { payments, orders, provider: providerClient, saga: { ...DEFAULT_SAGA, ...saga }, now, ...(random ? { random } : {}) };
  const runner = createSagaRunner(deps, instanceId);
  const worker = createSagaWorker(deps, runner, sagaPollMs === undefined ? {} : { pollMs: sagaPollMs });
  whenServing(app, () => worker.start());
  app.addHook('preClose', async () => {
    // Every saga, in the background or behind a request, stops after its current step and lets its lease go.
    await Promise.all([runner.stop(), worker.stop()]);
  });

  registerHealth(app, { service: 'payment-service', checks: { database: database.ping } });
  registerIdempotency(app, { db: database.db });
  registerServiceEvents(app, {
    service: 'payment-service',
    db: database.db,
    identity: deskOptions.identity,
    broker,
    discovery,
    resilience,
    handlers: {
      // An order cancelled while its payment has not charged yet: the saga stops before charging.
      OrderCancelled: async (event, trx) => payments.markOrderCancelled(trx, (event.data as { order_id: number }).order_id),
    },
  });
  registerTestHooks(app, { identity: deskOptions.identity, enabled: testHooks ?? false });
  registerPaymentRoutes(app, deps, runner);
  return app;
}
