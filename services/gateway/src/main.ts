import { fileURLToPath } from 'node:url';
import { listen, receiveOwnSpans, start } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig, serviceUrls } from './config.js';
import { createTraceStore } from './domain/trace-store.js';

start('gateway', async () => {
  const config = loadConfig();
  const services = serviceUrls(config);
  const traces = createTraceStore({
    maxTraces: config.TRACE_STORE_MAX_TRACES,
    maxSpansPerTrace: config.TRACE_STORE_MAX_SPANS_PER_TRACE,
    maxSpans: config.TRACE_STORE_MAX_SPANS,
  });
  // The gateway's own spans go straight into its store: no OTLP round trip to itself.
  receiveOwnSpans((spans) => traces.add(spans));
  const app = await buildApp({
    services,
    callTimeoutMs: config.CALL_TIMEOUT_MS,
    composeTimeoutMs: config.COMPOSE_TIMEOUT_MS,
    healthTimeoutMs: config.HEALTH_TIMEOUT_MS,
    overviewScrapeMs: config.OVERVIEW_SCRAPE_MS,
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
    traces,
    ...(config.ADMIN_TOKEN === undefined ? {} : { adminToken: config.ADMIN_TOKEN }),
    ...(config.SERVICE_TOKEN === undefined ? {} : { serviceToken: config.SERVICE_TOKEN }),
    supervisorUrl: config.SUPERVISOR_URL.replace(/\/$/, ''),
    uiDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
  });
  await listen(app, { name: 'gateway', port: config.PORT, host: config.HOST });
  app.log.info({ services }, `gateway ready on http://${config.HOST}:${config.PORT}`);
});
