import { identityFrom, listen, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

start('registry', async () => {
  const config = loadConfig();
  const app = await buildApp({
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
    ttlMs: config.REGISTRY_TTL_MS,
    checkIntervalMs: config.REGISTRY_CHECK_INTERVAL_MS,
    checkTimeoutMs: config.REGISTRY_CHECK_TIMEOUT_MS,
    failuresToEvict: config.REGISTRY_FAILURES_TO_EVICT,
    allowedHosts: config.REGISTRY_ALLOWED_HOSTS,
    identity: identityFrom('registry', config),
  });
  await listen(app, { name: 'registry', port: config.PORT, host: config.HOST });
  app.log.info({ ttl_ms: config.REGISTRY_TTL_MS, allowed_hosts: config.REGISTRY_ALLOWED_HOSTS }, `registry ready on http://${config.HOST}:${config.PORT}`);
});
