import { discoveryFrom, eventsBrokerFrom, listen, migrateToLatest, openDatabase, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { PaymentTables } from './data/tables.js';

start('payment-service', async () => {
  const config = loadConfig();
  const serviceToken = resolveServiceToken(config.SERVICE_TOKEN);
  const database = await openDatabase<PaymentTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const discovery = await discoveryFrom(config, {
    service: 'payment-service',
    serviceToken,
    targets: { 'order-service': config.ORDER_SERVICE_URL, 'payment-provider': config.PAYMENT_PROVIDER_URL },
    logLevel: config.LOG_LEVEL,
  });
  const app = await buildApp({
    database,
    orderService: discovery.resolver('order-service'),
    provider: discovery.resolver('payment-provider'),
    providerTimeoutMs: config.PROVIDER_TIMEOUT_MS,
    saga: {
      budgetMs: config.PAYMENT_BUDGET_MS,
      maxAttempts: config.SAGA_MAX_ATTEMPTS,
      baseBackoffMs: config.SAGA_BACKOFF_MS,
      maxBackoffMs: config.SAGA_MAX_BACKOFF_MS,
      leaseMs: config.SAGA_LEASE_MS,
    },
    instanceId: config.INSTANCE_ID ?? `payment-service-${config.PORT}`,
    balancing: config.LOAD_BALANCER,
    discovery,
    broker: await eventsBrokerFrom(config),
    serviceToken,
    timeoutMs: config.CALL_TIMEOUT_MS,
    testHooks: config.MICROSHOP_TEST_HOOKS === '1',
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  app.addHook('onClose', discovery.close);
  await listen(app, { name: 'payment-service', port: config.PORT, host: config.HOST, onClose: database.close, registration: registrationFrom(config, serviceToken) });
  app.log.info({ database: database.location }, `payment-service ready on http://${config.HOST}:${config.PORT}`);
});
