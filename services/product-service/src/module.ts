import { discoveryFrom, eventsBrokerFrom, migrateToLatest, openDatabase, identityFrom, type App, type Discovery, type ServiceIdentity } from '@microshop/chassis';
import { buildApp } from './app.js';
import type { ProductServiceConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { ProductTables } from './data/tables.js';

/** The Product service, opened and ready to serve: its app (closing it closes the database) and where its data is. */
export interface ProductService {
  app: App;
  database: string;
}

/**
 * Opens the Product service from its config: database, migrations, event broker, app. It does not
 * listen: `main.ts` puts it on its own port; the modular monolith mounts it beside the others.
 * Product calls no service, but its relay delivers its events (StockReserved, …) to their
 * subscribers over HTTP: `discovery` finds them (by default through the registry, as config says).
 *
 * @example
 * const { app } = await openProductService(loadConfig())
 */
export async function openProductService(config: ProductServiceConfig, { discovery: given, identity = identityFrom('product-service', config) }: { discovery?: Discovery; identity?: ServiceIdentity } = {}): Promise<ProductService> {
  const database = await openDatabase<ProductTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const discovery = given ?? (await discoveryFrom(config, { service: 'product-service', identity, targets: {}, logLevel: config.LOG_LEVEL }));
  const app = await buildApp({
    database,
    identity,
    discovery,
    broker: await eventsBrokerFrom(config),
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  if (!given) app.addHook('onClose', discovery.close);
  app.addHook('onClose', database.close);
  return { app, database: database.location };
}
