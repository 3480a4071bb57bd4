import { listen, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { BACKENDS } from '@microshop/contracts';
import { loadConfig } from './config.js';
import { openGateway } from './module.js';

start('gateway', async () => {
  const config = loadConfig();
  const { app, services } = await openGateway(config);
  await listen(app, { name: 'gateway', port: config.PORT, host: config.HOST, registration: registrationFrom(config, resolveServiceToken(config.SERVICE_TOKEN)) });
  const where = Object.fromEntries(BACKENDS.map((service) => [service, services[service].instances().map((i) => i.url)]));
  app.log.info({ services: where, registry: config.REGISTRY_URL ?? null }, `gateway ready on http://${config.HOST}:${config.PORT}`);
});
