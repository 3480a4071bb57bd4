import { listen, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig, serviceUrls } from './config.js';

start('gateway', async () => {
  const config = loadConfig();
  const services = serviceUrls(config);
  const app = await buildApp({
    services,
    callTimeoutMs: config.CALL_TIMEOUT_MS,
    composeTimeoutMs: config.COMPOSE_TIMEOUT_MS,
    healthTimeoutMs: config.HEALTH_TIMEOUT_MS,
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
  });
  await listen(app, { name: 'gateway', port: config.PORT, host: config.HOST });
  app.log.info({ services }, `gateway ready on http://${config.HOST}:${config.PORT}`);
});
