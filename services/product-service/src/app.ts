import { createServer, registerHealth, type App, type Database } from '@microshop/chassis';
import { createProductRepository } from './data/product-repository.js';
import type { ProductTables } from './data/tables.js';
import { registerProductRoutes } from './routes/product-routes.js';

export interface ProductAppOptions {
  database: Database<ProductTables>;
  logLevel?: string | false;
  bodyLimit?: number;
  /** The service credential internal endpoints (`/internal/chaos`) require; unset: the development one. */
  serviceToken?: string;
  now?: () => Date;
}

/** Builds the Product service's app from its dependencies. Never listens: `main.ts` does, tests inject. */
export async function buildApp({ database, logLevel, bodyLimit, serviceToken, now = () => new Date() }: ProductAppOptions): Promise<App> {
  const app = await createServer({
    name: 'product-service',
    description: 'Owns the product catalogue and prices. Database: products.db.',
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    ...(serviceToken === undefined ? {} : { serviceToken }),
  });
  registerHealth(app, { service: 'product-service', checks: { database: database.ping } });
  registerProductRoutes(app, { products: createProductRepository(database.db), now });
  return app;
}
