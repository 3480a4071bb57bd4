import { fileURLToPath } from 'node:url';
import { createDiscovery, createLogger, fromRoot, identityFrom, receiveOwnSpans, type App, type Discovery, type Resolver, type ServiceIdentity } from '@microshop/chassis';
import { BACKENDS, type BackendName } from '@microshop/contracts';
import { buildApp } from './app.js';
import { serviceTargets, type GatewayConfig } from './config.js';
import { createTraceStore } from './domain/trace-store.js';

/** The gateway, opened and ready to serve, with the discovery it routes through. */
export interface Gateway {
  app: App;
  discovery: Discovery;
  services: Record<BackendName, Resolver>;
}

/**
 * Opens the gateway from its config: discovery of the services, the trace store (the process's own
 * spans go straight into it), the app with the web UI. It does not listen: `main.ts` puts it on its
 * port; the modular monolith mounts it with a `discovery` that reaches the modules in-process.
 *
 * @example
 * const { app } = await openGateway(loadConfig())
 */
export async function openGateway(config: GatewayConfig, { discovery: given, identity = identityFrom('gateway', config) }: { discovery?: Discovery; identity?: ServiceIdentity } = {}): Promise<Gateway> {
  // Explicit addresses (a URL, a list, dns+http://) win; the others come from the registry.
  const discovery =
    given ??
    createDiscovery({
      registryUrl: config.REGISTRY_URL,
      identity,
      refreshMs: config.DISCOVERY_REFRESH_MS,
      targets: serviceTargets(config),
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
    ...(config.REGISTRY_URL === undefined || given ? {} : { registry: config.REGISTRY_URL.replace(/\/$/, '') }),
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
    identity,
    supervisorUrl: config.SUPERVISOR_URL.replace(/\/$/, ''),
    uiDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
    topologiesFile: fromRoot(config.BENCH_TOPOLOGIES_FILE),
    suiteFile: fromRoot(config.BENCH_SUITE_FILE),
    rateLimit: { ratePerS: config.RATE_LIMIT_RPS, burst: config.RATE_LIMIT_BURST, maxClients: config.RATE_LIMIT_MAX_CLIENTS },
    timeouts: { headersMs: config.HEADERS_TIMEOUT_MS, requestMs: config.REQUEST_TIMEOUT_MS, keepAliveMs: config.KEEP_ALIVE_TIMEOUT_MS },
  });
  if (!given) app.addHook('onClose', discovery.close);
  // The first lists are in before the first request: no call finds a service without instances.
  await discovery.refresh();
  return { app, discovery, services };
}
