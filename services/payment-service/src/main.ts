import { listen, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { loadConfig } from './config.js';
import { openPaymentService } from './module.js';

start('payment-service', async () => {
  const config = loadConfig();
  const { app, database } = await openPaymentService(config);
  await listen(app, { name: 'payment-service', port: config.PORT, host: config.HOST, registration: registrationFrom(config, resolveServiceToken(config.SERVICE_TOKEN)) });
  app.log.info({ database }, `payment-service ready on http://${config.HOST}:${config.PORT}`);
});
