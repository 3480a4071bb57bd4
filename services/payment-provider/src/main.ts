import { listen, migrateToLatest, openDatabase, registrationFrom, identityFrom, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { ProviderTables } from './data/tables.js';

start('payment-provider', async () => {
  const config = loadConfig();
  const database = await openDatabase<ProviderTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const behaviour = { decline_rate: config.PROVIDER_DECLINE_RATE, failure_rate: config.PROVIDER_FAILURE_RATE, latency_ms: config.PROVIDER_LATENCY_MS };
  const identity = identityFrom('payment-provider', config);
  const app = await buildApp({ database, logLevel: config.LOG_LEVEL, bodyLimit: config.BODY_LIMIT_BYTES, identity, behaviour });
  await listen(app, { name: 'payment-provider', port: config.PORT, host: config.HOST, onClose: database.close, registration: registrationFrom(config, identity) });
  app.log.info({ database: database.location, behaviour }, `payment-provider ready on http://${config.HOST}:${config.PORT}`);
});
