import { identityFrom, listen, registrationFrom, start } from '@microshop/chassis';
import { loadConfig } from './config.js';
import { openPaymentService } from './module.js';

start('payment-service', async () => {
  const config = loadConfig();
  const identity = identityFrom('payment-service', config);
  const { app, database } = await openPaymentService(config, { identity });
  await listen(app, { name: 'payment-service', port: config.PORT, host: config.HOST, registration: registrationFrom(config, identity) });
  app.log.info({ database }, `payment-service ready on http://${config.HOST}:${config.PORT}`);
});
