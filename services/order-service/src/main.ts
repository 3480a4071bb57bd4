import { identityFrom, listen, registrationFrom, start } from '@microshop/chassis';
import { loadConfig } from './config.js';
import { openOrderService } from './module.js';

start('order-service', async () => {
  const config = loadConfig();
  const identity = identityFrom('order-service', config);
  const { app, database } = await openOrderService(config, { identity });
  await listen(app, { name: 'order-service', port: config.PORT, host: config.HOST, registration: registrationFrom(config, identity) });
  app.log.info({ database }, `order-service ready on http://${config.HOST}:${config.PORT}`);
});
