import { listen, migrateToLatest, openDatabase, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { ProductTables } from './data/tables.js';

start('product-service', async () => {
  const config = loadConfig();
  const database = await openDatabase<ProductTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const app = await buildApp({ database, logLevel: config.LOG_LEVEL, bodyLimit: config.BODY_LIMIT_BYTES, ...(config.SERVICE_TOKEN === undefined ? {} : { serviceToken: config.SERVICE_TOKEN }) });
  await listen(app, { name: 'product-service', port: config.PORT, host: config.HOST, onClose: database.close, registration: registrationFrom(config, resolveServiceToken(config.SERVICE_TOKEN)) });
  app.log.info({ database: database.location }, `product-service ready on http://${config.HOST}:${config.PORT}`);
});
