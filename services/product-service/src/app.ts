import { createServer, registerHealth, registerServiceEvents, resilienceOf, developmentIdentity, type App, type Database, type Discovery, type NatsBroker, type ServiceIdentity } from '@microshop/chassis';
import { createProductRepository } from './data/product-repository.js';
import { createStockRepository } from './data/stock-repository.js';
import type { ProductTables } from './data/tables.js';
import { registerProductRoutes } from './routes/product-routes.js';
import { registerStockLedgerRoute } from './routes/stock-ledger-route.js';
import { orderEventHandlers } from './subscribers/order-events.js';

export interface ProductAppOptions {
  database: Database<ProductTables>;
  logLevel?: string | false;
  bodyLimit?: number;
  /** The service's identity: which callers its `/internal/*` routes believe; unset: the development one. */
  identity?: ServiceIdentity;
  now?: () => Date;
  /** Finds the subscribers of the Product service's events (the Order service) for the HTTP transport. */
  discovery?: Discovery | undefined;
  /** NATS JetStream (`eventsBrokerFrom(config)`); absent: events go over HTTP. Closed with the app. */
  broker?: NatsBroker | undefined;
}

/** Builds the Product service's app from its dependencies. Never listens: `main.ts` does, tests inject. */
export async function buildApp({ database, logLevel, bodyLimit, identity = developmentIdentity('product-service'), now = () => new Date(), discovery, broker }: ProductAppOptions): Promise<App> {
  const app = await createServer({
    name: 'product-service',
    description: 'Owns the product catalogue, prices and stock. Database: products.db.',
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    identity,
  });
  const deps = { products: createProductRepository(database.db), stock: createStockRepository(database.db), now };

  registerHealth(app, { service: 'product-service', checks: { database: database.ping } });
  // Stock is choreographed: Product reacts to the Order service's events and answers with its own.
  registerServiceEvents(app, { service: 'product-service', db: database.db, identity, handlers: orderEventHandlers(now), broker, discovery, resilience: resilienceOf(app) });
  registerProductRoutes(app, deps);
  registerStockLedgerRoute(app, deps, identity);
  return app;
}
