import { discoveryFrom, eventsBrokerFrom, listen, migrateToLatest, openDatabase, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { ProductTables } from './data/tables.js';

start('product-service', async () => {
  const config = loadConfig();
  const serviceToken = resolveServiceToken(config.SERVICE_TOKEN);
  const database = await openDatabase<ProductTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  // Product calls no service, but its relay delivers its events (StockReserved, …) to their
  // subscribers over HTTP: discovery finds them, through the registry.
  const discovery = await discoveryFrom(config, { service: 'product-service', serviceToken, targets: {}, logLevel: config.LOG_LEVEL });
  const app = await buildApp({
    database,
    serviceToken,
    discovery,
    broker: await eventsBrokerFrom(config),
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  app.addHook('onClose', discovery.close);
  await listen(app, { name: 'product-service', port: config.PORT, host: config.HOST, onClose: database.close, registration: registrationFrom(config, serviceToken) });
  app.log.info({ database: database.location }, `product-service ready on http://${config.HOST}:${config.PORT}`);
});
