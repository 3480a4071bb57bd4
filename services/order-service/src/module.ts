import { discoveryFrom, eventsBrokerFrom, migrateToLatest, openDatabase, identityFrom, type App, type Discovery, type ServiceIdentity } from '@microshop/chassis';
import { buildApp } from './app.js';
import type { OrderServiceConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { OrderTables } from './data/tables.js';

/** The Order service, opened and ready to serve: its app (closing it closes the database) and where its data is. */
export interface OrderService {
  app: App;
  database: string;
}

/**
 * Opens the Order service from its config: database, migrations, discovery of User and Product,
 * event broker, app. It does not listen: `main.ts` puts it on its own port; the modular monolith
 * mounts it beside the others, with a `discovery` that reaches them in-process.
 *
 * @example
 * const { app } = await openOrderService(loadConfig())
 */
export async function openOrderService(config: OrderServiceConfig, { discovery: given, identity = identityFrom('order-service', config) }: { discovery?: Discovery; identity?: ServiceIdentity } = {}): Promise<OrderService> {
  const database = await openDatabase<OrderTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const discovery =
    given ??
    (await discoveryFrom(config, {
      service: 'order-service',
      identity,
      targets: { 'user-service': config.USER_SERVICE_URL, 'product-service': config.PRODUCT_SERVICE_URL },
      logLevel: config.LOG_LEVEL,
    }));
  const app = await buildApp({
    database,
    identity,
    userService: discovery.resolver('user-service'),
    productService: discovery.resolver('product-service'),
    balancing: config.LOAD_BALANCER,
    discovery,
    broker: await eventsBrokerFrom(config),
    orderExpiryMs: config.ORDER_EXPIRY_MS,
    expirySweepMs: config.ORDER_EXPIRY_SWEEP_MS,
    timeoutMs: config.CALL_TIMEOUT_MS,
    testHooks: config.MICROSHOP_TEST_HOOKS === '1',
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  if (!given) app.addHook('onClose', discovery.close);
  app.addHook('onClose', database.close);
  return { app, database: database.location };
}
