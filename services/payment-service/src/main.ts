import { listen, migrateToLatest, openDatabase, resolveServiceToken, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { PaymentTables } from './data/tables.js';

start('payment-service', async () => {
  const config = loadConfig();
  const database = await openDatabase<PaymentTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const app = await buildApp({
    database,
    orderServiceUrl: config.ORDER_SERVICE_URL,
    serviceToken: resolveServiceToken(config.SERVICE_TOKEN),
    timeoutMs: config.CALL_TIMEOUT_MS,
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  await listen(app, { name: 'payment-service', port: config.PORT, host: config.HOST, onClose: database.close });
  app.log.info({ database: database.location }, `payment-service ready on http://${config.HOST}:${config.PORT}`);
});
