import { discoveryFrom, eventsBrokerFrom, listen, migrateToLatest, openDatabase, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { OrderTables } from './data/tables.js';

start('order-service', async () => {
  const config = loadConfig();
  const serviceToken = resolveServiceToken(config.SERVICE_TOKEN);
  const database = await openDatabase<OrderTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const discovery = await discoveryFrom(config, {
    service: 'order-service',
    serviceToken,
    targets: { 'user-service': config.USER_SERVICE_URL, 'product-service': config.PRODUCT_SERVICE_URL },
    logLevel: config.LOG_LEVEL,
  });
  const app = await buildApp({
    database,
    serviceToken,
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
  app.addHook('onClose', discovery.close);
  await listen(app, { name: 'order-service', port: config.PORT, host: config.HOST, onClose: database.close, registration: registrationFrom(config, serviceToken) });
  app.log.info({ database: database.location }, `order-service ready on http://${config.HOST}:${config.PORT}`);
});
