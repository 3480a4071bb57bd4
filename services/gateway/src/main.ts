import { identityFrom, listen, registrationFrom, start } from '@microshop/chassis';
import { BACKENDS } from '@microshop/contracts';
import { loadConfig } from './config.js';
import { openGateway } from './module.js';

start('gateway', async () => {
  const config = loadConfig();
  const identity = identityFrom('gateway', config);
  const { app, services } = await openGateway(config, { identity });
  await listen(app, { name: 'gateway', port: config.PORT, host: config.HOST, registration: registrationFrom(config, identity) });
  const where = Object.fromEntries(BACKENDS.map((service) => [service, services[service].instances().map((i) => i.url)]));
  app.log.info({ services: where, registry: config.REGISTRY_URL ?? null }, `gateway ready on http://${config.HOST}:${config.PORT}`);
});
