import { listen, migrateToLatest, openDatabase, resolveServiceToken, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { OrderTables } from './data/tables.js';

start('order-service', async () => {
  const config = loadConfig();
  const database = await openDatabase<OrderTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const app = await buildApp({
    database,
    serviceToken: resolveServiceToken(config.SERVICE_TOKEN),
    userServiceUrl: config.USER_SERVICE_URL,
    productServiceUrl: config.PRODUCT_SERVICE_URL,
    timeoutMs: config.CALL_TIMEOUT_MS,
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  await listen(app, { name: 'order-service', port: config.PORT, host: config.HOST, onClose: database.close });
  app.log.info({ database: database.location }, `order-service ready on http://${config.HOST}:${config.PORT}`);
});
