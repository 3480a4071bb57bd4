import { discoveryFrom, eventPublisherFrom, listen, migrateToLatest, openDatabase, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { PaymentTables } from './data/tables.js';

start('payment-service', async () => {
  const config = loadConfig();
  const serviceToken = resolveServiceToken(config.SERVICE_TOKEN);
  const database = await openDatabase<PaymentTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const discovery = await discoveryFrom(config, { service: 'payment-service', serviceToken, targets: { 'order-service': config.ORDER_SERVICE_URL }, logLevel: config.LOG_LEVEL });
  const app = await buildApp({
    database,
    orderService: discovery.resolver('order-service'),
    balancing: config.LOAD_BALANCER,
    discovery,
    eventPublisher: await eventPublisherFrom(config),
    serviceToken,
    timeoutMs: config.CALL_TIMEOUT_MS,
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  app.addHook('onClose', discovery.close);
  await listen(app, { name: 'payment-service', port: config.PORT, host: config.HOST, onClose: database.close, registration: registrationFrom(config, serviceToken) });
  app.log.info({ database: database.location }, `payment-service ready on http://${config.HOST}:${config.PORT}`);
});
