import { createServer, registerHealth, registerIdempotency, registerServiceOutbox, resilienceOf, type App, type Database, type Discovery, type EventPublisher } from '@microshop/chassis';
import { connectNeighbours, type NeighbourOptions } from './clients/neighbours.js';
import { createOrderRepository } from './data/order-repository.js';
import type { OrderTables } from './data/tables.js';
import { registerOrderRoutes } from './routes/order-routes.js';
import { registerOrderStatusRoute } from './routes/order-status-route.js';

export interface OrderAppOptions extends NeighbourOptions {
  database: Database<OrderTables>;
  /** The credential the internal status endpoint requires. */
  serviceToken: string;
  logLevel?: string | false;
  bodyLimit?: number;
  now?: () => Date;
  /** Finds the subscribers the outbox relay delivers events to. */
  discovery?: Discovery;
  /** Where the outbox relay publishes (NATS when BROKER_URL is set); default: HTTP to the subscribers. */
  eventPublisher?: EventPublisher | undefined;
}

/** Builds the Order service's app from its dependencies. Never listens: `main.ts` does, tests inject. */
export async function buildApp({ database, serviceToken, logLevel, bodyLimit, now = () => new Date(), discovery, eventPublisher, ...neighbourOptions }: OrderAppOptions): Promise<App> {
  const app = await createServer({
    name: 'order-service',
    description: 'Owns orders. Calls the User and Product services. Database: orders.db.',
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    serviceToken: serviceToken,
  });
  const neighbours = connectNeighbours({ ...neighbourOptions, resilience: resilienceOf(app) });
  app.addHook('onClose', neighbours.close);
  const deps = { orders: createOrderRepository(database.db), users: neighbours.users, products: neighbours.products, now };

  registerHealth(app, { service: 'order-service', checks: { database: database.ping } });
  registerIdempotency(app, { db: database.db });
  registerServiceOutbox(app, { db: database.db, serviceToken, resilience: resilienceOf(app), ...(discovery ? { discovery } : {}), ...(eventPublisher ? { publisher: eventPublisher } : {}) });
  registerOrderRoutes(app, deps);
  registerOrderStatusRoute(app, deps, serviceToken);
  return app;
}
