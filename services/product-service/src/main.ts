import { identityFrom, listen, registrationFrom, start } from '@microshop/chassis';
import { loadConfig } from './config.js';
import { openProductService } from './module.js';

start('product-service', async () => {
  const config = loadConfig();
  const identity = identityFrom('product-service', config);
  const { app, database } = await openProductService(config, { identity });
  await listen(app, { name: 'product-service', port: config.PORT, host: config.HOST, registration: registrationFrom(config, identity) });
  app.log.info({ database }, `product-service ready on http://${config.HOST}:${config.PORT}`);
});
