import { createServer, resilienceOf, registerHealth, registerIdempotency, registerServiceOutbox, type App, type Database, type Discovery, type EventPublisher } from '@microshop/chassis';
import { connectOrderDesk, type OrderDeskOptions } from './clients/order-desk.js';
import { createPaymentRepository } from './data/payment-repository.js';
import type { PaymentTables } from './data/tables.js';
import { registerPaymentRoutes } from './routes/payment-routes.js';

export interface PaymentAppOptions extends OrderDeskOptions {
  database: Database<PaymentTables>;
  logLevel?: string | false;
  bodyLimit?: number;
  now?: () => Date;
  /** See PaymentDeps.pendingGraceMs; defaults to three call timeouts. */
  pendingGraceMs?: number;
  /** Finds the subscribers the outbox relay delivers events to. */
  discovery?: Discovery;
  /** Where the outbox relay publishes (NATS when BROKER_URL is set); default: HTTP to the subscribers. */
  eventPublisher?: EventPublisher | undefined;
}

/** Builds the Payment service's app from its dependencies. Never listens: `main.ts` does, tests inject. */
export async function buildApp({ database, logLevel, bodyLimit, now = () => new Date(), pendingGraceMs, discovery, eventPublisher, ...deskOptions }: PaymentAppOptions): Promise<App> {
  const app = await createServer({
    name: 'payment-service',
    description: 'Owns payments. Calls the Order service. Database: payments.db.',
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    serviceToken: deskOptions.serviceToken,
  });
  const orders = connectOrderDesk({ ...deskOptions, resilience: resilienceOf(app) });
  app.addHook('onClose', orders.close);

  registerHealth(app, { service: 'payment-service', checks: { database: database.ping } });
  registerIdempotency(app, { db: database.db });
  registerServiceOutbox(app, { db: database.db, serviceToken: deskOptions.serviceToken, resilience: resilienceOf(app), ...(discovery ? { discovery } : {}), ...(eventPublisher ? { publisher: eventPublisher } : {}) });
  registerPaymentRoutes(app, {
    payments: createPaymentRepository(database.db),
    orders,
    now,
    pendingGraceMs: pendingGraceMs ?? 3 * deskOptions.timeoutMs,
  });
  return app;
}
