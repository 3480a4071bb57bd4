import { listen, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { loadConfig } from './config.js';
import { openUserService } from './module.js';

start('user-service', async () => {
  const config = loadConfig();
  const { app, database } = await openUserService(config);
  await listen(app, { name: 'user-service', port: config.PORT, host: config.HOST, registration: registrationFrom(config, resolveServiceToken(config.SERVICE_TOKEN)) });
  app.log.info({ database }, `user-service ready on http://${config.HOST}:${config.PORT}`);
});
