import { createServer, registerHealth, registerIdempotency, registerServiceEvents, registerTestHooks, resilienceOf, developmentIdentity, type App, type Database, type Discovery, type NatsBroker, type ServiceIdentity } from '@microshop/chassis';
import { connectNeighbours, type NeighbourOptions } from './clients/neighbours.js';
import { DEFAULT_EXPIRY_SWEEP_MS, DEFAULT_ORDER_EXPIRY_MS } from './config.js';
import { createOrderRepository } from './data/order-repository.js';
import type { OrderTables } from './data/tables.js';
import { registerExpirySweeper } from './jobs/expiry-sweeper.js';
import { registerOrderRoutes } from './routes/order-routes.js';
import { registerOrderStatusRoute } from './routes/order-status-route.js';
import { stockEventHandlers } from './subscribers/stock-events.js';

export interface OrderAppOptions extends NeighbourOptions {
  database: Database<OrderTables>;
  /** The service's identity: whom its internal endpoints (status, events, outbox, test hooks) believe; unset: the development one. */
  identity?: ServiceIdentity;
  logLevel?: string | false;
  bodyLimit?: number;
  now?: () => Date;
  /** Finds the subscribers the outbox relay delivers events to over HTTP. */
  discovery?: Discovery | undefined;
  /** NATS JetStream (`eventsBrokerFrom(config)`); absent: events go over HTTP. Closed with the app. */
  broker?: NatsBroker | undefined;
  /** How long an order holding stock may stay unpaid (`ORDER_EXPIRY_MS`). */
  orderExpiryMs?: number;
  /** How often the expiry sweeper runs (`ORDER_EXPIRY_SWEEP_MS`). */
  expirySweepMs?: number;
  /** The crash and fault points' endpoints (`/internal/test/*`); default: on with `MICROSHOP_TEST_HOOKS=1`. */
  testHooks?: boolean;
}

/** Builds the Order service's app from its dependencies. Never listens: `main.ts` does, tests inject. */
export async function buildApp({
  database,
  identity = developmentIdentity('order-service'),
  logLevel,
  bodyLimit,
  now = () => new Date(),
  discovery,
  broker,
  orderExpiryMs = DEFAULT_ORDER_EXPIRY_MS,
  expirySweepMs = DEFAULT_EXPIRY_SWEEP_MS,
  testHooks,
  ...neighbourOptions
}: OrderAppOptions): Promise<App> {
  const app = await createServer({
    name: 'order-service',
    description: 'Owns orders. Calls the User and Product services. Database: orders.db.',
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    identity,
  });
  const neighbours = connectNeighbours({ ...neighbourOptions, resilience: resilienceOf(app) });
  app.addHook('onClose', neighbours.close);
  const deps = { orders: createOrderRepository(database.db), users: neighbours.users, products: neighbours.products, now, orderExpiryMs };

  registerHealth(app, { service: 'order-service', checks: { database: database.ping } });
  registerIdempotency(app, { db: database.db });
  // Stock is choreographed: the Order service learns from the Product service's events whether an order's stock is reserved.
  registerServiceEvents(app, { service: 'order-service', db: database.db, identity, handlers: stockEventHandlers(now), broker, discovery, resilience: resilienceOf(app) });
  registerTestHooks(app, { identity, enabled: testHooks ?? false });
  registerOrderRoutes(app, deps);
  registerOrderStatusRoute(app, deps, identity);
  registerExpirySweeper(app, deps, { intervalMs: expirySweepMs });
  return app;
}
