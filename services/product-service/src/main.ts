import { listen, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { loadConfig } from './config.js';
import { openProductService } from './module.js';

start('product-service', async () => {
  const config = loadConfig();
  const { app, database } = await openProductService(config);
  await listen(app, { name: 'product-service', port: config.PORT, host: config.HOST, registration: registrationFrom(config, resolveServiceToken(config.SERVICE_TOKEN)) });
  app.log.info({ database }, `product-service ready on http://${config.HOST}:${config.PORT}`);
});
