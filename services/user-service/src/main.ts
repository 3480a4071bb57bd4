import { identityFrom, listen, registrationFrom, start } from '@microshop/chassis';
import { loadConfig } from './config.js';
import { openUserService } from './module.js';

start('user-service', async () => {
  const config = loadConfig();
  const identity = identityFrom('user-service', config);
  const { app, database } = await openUserService(config, { identity });
  await listen(app, { name: 'user-service', port: config.PORT, host: config.HOST, registration: registrationFrom(config, identity) });
  app.log.info({ database }, `user-service ready on http://${config.HOST}:${config.PORT}`);
});
