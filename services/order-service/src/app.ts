import { createServer, registerHealth, registerIdempotency, resilienceOf, type App, type Database } from '@microshop/chassis';
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
}

/** Builds the Order service's app from its dependencies. Never listens: `main.ts` does, tests inject. */
export async function buildApp({ database, serviceToken, logLevel, bodyLimit, now = () => new Date(), ...neighbourOptions }: OrderAppOptions): Promise<App> {
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
  registerOrderRoutes(app, deps);
  registerOrderStatusRoute(app, deps, serviceToken);
  return app;
}
