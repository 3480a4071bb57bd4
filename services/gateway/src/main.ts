import { fileURLToPath } from 'node:url';
import { createDiscovery, createLogger, listen, receiveOwnSpans, registrationFrom, resolveServiceToken, start } from '@microshop/chassis';
import { BACKENDS, type BackendName } from '@microshop/contracts';
import type { Resolver } from '@microshop/chassis';
import { buildApp } from './app.js';
import { loadConfig, serviceTargets } from './config.js';
import { createTraceStore } from './domain/trace-store.js';

start('gateway', async () => {
  const config = loadConfig();
  const serviceToken = resolveServiceToken(config.SERVICE_TOKEN);
  const targets = serviceTargets(config);
  // Explicit addresses (a URL, a list, dns+http://) win; the others come from the registry.
  const discovery = createDiscovery({
    registryUrl: config.REGISTRY_URL,
    serviceToken,
    refreshMs: config.DISCOVERY_REFRESH_MS,
    targets,
    log: createLogger('gateway', config.LOG_LEVEL).child({ component: 'discovery' }),
  });
  const services = Object.fromEntries(BACKENDS.map((service) => [service, discovery.resolver(service)])) as Record<BackendName, Resolver>;
  const traces = createTraceStore({
    maxTraces: config.TRACE_STORE_MAX_TRACES,
    maxSpansPerTrace: config.TRACE_STORE_MAX_SPANS_PER_TRACE,
    maxSpans: config.TRACE_STORE_MAX_SPANS,
  });
  // The gateway's own spans go straight into its store: no OTLP round trip to itself.
  receiveOwnSpans((spans) => traces.add(spans));
  const app = await buildApp({
    services,
    balancing: config.LOAD_BALANCER,
    discovery,
    ...(config.REGISTRY_URL === undefined ? {} : { registry: config.REGISTRY_URL.replace(/\/$/, '') }),
    provider: discovery.resolver('payment-provider'),
    ...(config.INSTANCE_ID === undefined ? {} : { instanceId: config.INSTANCE_ID }),
    callTimeoutMs: config.CALL_TIMEOUT_MS,
    composeTimeoutMs: config.COMPOSE_TIMEOUT_MS,
    healthTimeoutMs: config.HEALTH_TIMEOUT_MS,
    overviewScrapeMs: config.OVERVIEW_SCRAPE_MS,
    logLevel: config.LOG_LEVEL,
    bodyLimit: config.BODY_LIMIT_BYTES,
    traces,
    ...(config.ADMIN_TOKEN === undefined ? {} : { adminToken: config.ADMIN_TOKEN }),
    serviceToken,
    supervisorUrl: config.SUPERVISOR_URL.replace(/\/$/, ''),
    uiDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
  });
  // The first lists are in before the first request: no call finds a service without instances.
  await discovery.refresh();
  await listen(app, { name: 'gateway', port: config.PORT, host: config.HOST, onClose: discovery.close, registration: registrationFrom(config, serviceToken) });
  const where = Object.fromEntries(BACKENDS.map((service) => [service, services[service].instances().map((i) => i.url)]));
  app.log.info({ services: where, registry: config.REGISTRY_URL ?? null }, `gateway ready on http://${config.HOST}:${config.PORT}`);
});
