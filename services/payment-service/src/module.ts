import { discoveryFrom, eventsBrokerFrom, migrateToLatest, openDatabase, identityFrom, type App, type Discovery, type ServiceIdentity } from '@microshop/chassis';
import { buildApp } from './app.js';
import type { PaymentServiceConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { PaymentTables } from './data/tables.js';

/** The Payment service, opened and ready to serve: its app (closing it closes the database) and where its data is. */
export interface PaymentService {
  app: App;
  database: string;
}

/**
 * Opens the Payment service from its config: database, migrations, discovery of Order and the
 * payment provider, event broker, the saga's settings, app. It does not listen: `main.ts` puts it
 * on its own port; the modular monolith mounts it beside the others, with a `discovery` that
 * reaches Order in-process (the provider stays an outside process in every topology).
 *
 * @example
 * const { app } = await openPaymentService(loadConfig())
 */
export async function openPaymentService(config: PaymentServiceConfig, { discovery: given, identity = identityFrom('payment-service', config) }: { discovery?: Discovery; identity?: ServiceIdentity } = {}): Promise<PaymentService> {
  const database = await openDatabase<PaymentTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const discovery =
    given ??
    (await discoveryFrom(config, {
      service: 'payment-service',
      identity,
      targets: { 'order-service': config.ORDER_SERVICE_URL, 'payment-provider': config.PAYMENT_PROVIDER_URL },
      logLevel: config.LOG_LEVEL,
    }));
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
    identity,
    timeoutMs: config.CALL_TIMEOUT_MS,
    testHooks: config.MICROSHOP_TEST_HOOKS === '1',
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  if (!given) app.addHook('onClose', discovery.close);
  app.addHook('onClose', database.close);
  return { app, database: database.location };
}
