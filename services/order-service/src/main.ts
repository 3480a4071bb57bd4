import { listen, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { loadConfig } from './config.js';
import { openOrderService } from './module.js';

start('order-service', async () => {
  const config = loadConfig();
  const { app, database } = await openOrderService(config);
  await listen(app, { name: 'order-service', port: config.PORT, host: config.HOST, registration: registrationFrom(config, resolveServiceToken(config.SERVICE_TOKEN)) });
  app.log.info({ database }, `order-service ready on http://${config.HOST}:${config.PORT}`);
});
