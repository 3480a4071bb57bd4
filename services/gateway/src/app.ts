import { createServer, type ServerTimeouts, createServiceClient, fromRoot, pinnedResolver, resilienceOf, resolveAdminToken, resolverOf, developmentIdentity, trimUrl, type App, type BalancingStrategy, type Discovery, type Resolver, type ServiceClient, type ServiceIdentity } from '@microshop/chassis';
import type { BackendName } from '@microshop/contracts';
import { connectAdminClients } from './clients/admin-clients.js';
import { createResources } from './clients/resources.js';
import { instanceClients } from './clients/instance-clients.js';
import { connectUpstreams, type ServiceLocation } from './clients/upstreams.js';
import { createApiDocs } from './domain/api-docs.js';
import { createLiveOverview, type WatchedService } from './domain/overview/live-overview.js';
import { PUBLIC_ROUTES } from './public-routes.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerBenchRoutes, SUITE_FILE, TOPOLOGIES_FILE } from './routes/bench-routes.js';
import { registerConsistencyRoutes } from './routes/consistency-routes.js';
import { registerDetailsRoutes } from './routes/details-routes.js';
import { registerDocsRoutes } from './routes/docs-routes.js';
import { registerEventRoutes } from './routes/events-routes.js';
import { createTraceStore, type TraceStore } from './domain/trace-store.js';
import { registerTraceRoutes } from './routes/trace-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerHomeRoutes } from './routes/home-routes.js';
import { registerOverviewRoutes } from './routes/overview-routes.js';
import { registerPublicApiRoutes } from './routes/public-api-routes.js';
import { registerProviderRoutes } from './routes/provider-routes.js';
import { createSelfClient } from './clients/self-client.js';
import { createTrafficGenerator, type TrafficOptions } from './domain/traffic.js';
import { registerTrafficRoutes } from './routes/traffic-routes.js';
import { registerUiRoutes } from './routes/ui-routes.js';
import { registerRateLimit } from './routes/rate-limit.js';
import { createRateLimiter, type RateLimitSettings } from './domain/rate-limiter.js';
import { API_RESPONSE_HEADERS, registerSecurityHeaders } from './web/security-headers.js';
import { loadUiBundle } from './web/ui-files.js';

export interface GatewayAppOptions {
  /**
   * Where each service is: a base URL (one fixed instance, e.g. `'http://127.0.0.1:5001'`) or a
   * resolver (discovery's current list of its instances, e.g. `discovery.resolver('user-service')`).
   */
  services: Record<BackendName, ServiceLocation>;
  /** How forwarded calls pick an instance (`LOAD_BALANCER`); default least-outstanding. */
  balancing?: BalancingStrategy;
  /** Discovery, for `/health` (where the lists come from, and whether they are fresh); absent: addresses are fixed. */
  discovery?: Pick<Discovery, 'view'>;
  /** The registry, watched by the live overview like a service (no edges); absent: not shown. */
  registry?: ServiceLocation;
  /**
   * The simulated payment provider: watched by the overview, its behaviour set through the admin
   * API, its ledger read by the consistency check; absent: none of those.
   */
  provider?: ServiceLocation;
  /** The gateway's own instance id, shown by the overview; default `gateway-<port>`. */
  instanceId?: string;
  /** Budget for one forwarded call. */
  callTimeoutMs?: number;
  /** Budget for one composed view (`/details`), shared by all the calls it makes. */
  composeTimeoutMs?: number;
  /** Budget for one service's health or OpenAPI document. */
  healthTimeoutMs?: number;
  /** How long a complete merged OpenAPI document is reused. */
  docsCacheMs?: number;
  logLevel?: string | false;
  bodyLimit?: number;
  /** Clock for the document cache, in milliseconds. */
  now?: () => number;
  /** Where received spans are kept and read from (`/v1/traces`, `/api/traces`); a default-sized store when absent. */
  traces?: TraceStore;
  /** How often the live overview scrapes every process's `/health` and `/metrics`; 0: never (every service stays unknown). */
  overviewScrapeMs?: number;
  /** The built web UI (`web/dist`), served at `/`. Absent or not built: `/` is the plain API page. */
  uiDir?: string;
  /** The traffic generator's randomness and in-flight limit (tests make it predictable). */
  traffic?: Pick<TrafficOptions, 'random' | 'maxInFlight'>;
  /** The admin credential (`x-admin-token`) of `/api/admin/*`; unset: the development one in `.microshop/admin-token`. */
  adminToken?: string;
  /** The gateway's identity: its service tokens open the services' `/internal/*` routes; unset: the development one. */
  identity?: ServiceIdentity;
  /** The supervisor's control endpoint; absent: process control answers 503. */
  supervisorUrl?: string;
  /** The topology comparison `GET /api/bench/topologies` serves; default `docs/bench/topologies.json` at the repository root. */
  topologiesFile?: string;
  /** The performance suite's report `GET /api/bench/suite` serves; default `docs/bench/suite.json` at the repository root. */
  suiteFile?: string;
  /** Requests per client, by address (`RATE_LIMIT_*`); absent, or a rate of 0: no limit. */
  rateLimit?: RateLimitSettings;
  /** How long a client may take over its headers, its request and between requests; default {@link GATEWAY_TIMEOUTS}. */
  timeouts?: Partial<ServerTimeouts>;
}

/**
 * The gateway faces clients: a request's headers within 10 s, all of it within 30 s, and an idle
 * keep-alive connection closed after 5 s (the services keep theirs longer, for the gateway's pools).
 */
export const GATEWAY_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 5000 };

const VERSION = '0.1.0';

/** Builds the gateway's app from where its neighbours are (fixed URLs or discovery's resolvers). Never listens: `main.ts` does, tests do. */
export async function buildApp({
  services,
  callTimeoutMs = 2000,
  composeTimeoutMs = 3000,
  healthTimeoutMs = 1000,
  docsCacheMs = 30_000,
  logLevel,
  bodyLimit,
  now = Date.now,
  traces = createTraceStore(),
  overviewScrapeMs = 2000,
  uiDir,
  traffic: trafficOptions = {},
  adminToken: configuredAdminToken,
  identity = developmentIdentity('gateway'),
  supervisorUrl,
  topologiesFile = fromRoot(TOPOLOGIES_FILE),
  suiteFile = fromRoot(SUITE_FILE),
  balancing,
  discovery,
  registry,
  provider,
  instanceId,
  rateLimit,
  timeouts,
}: GatewayAppOptions): Promise<App> {
  const app = await createServer({
    name: 'gateway',
    version: VERSION,
    docs: false,
    // The public door: none of the process's own /internal/* routes (its switches are in the admin API).
    internalRoutes: false,
    timeouts: { ...GATEWAY_TIMEOUTS, ...timeouts },
    clientErrorHeaders: API_RESPONSE_HEADERS,
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    identity,
  });
  // First, before any plugin: every answer gets the security headers, and every client its limit.
  registerSecurityHeaders(app);
  if (rateLimit !== undefined && rateLimit.ratePerS > 0) registerRateLimit(app, createRateLimiter(rateLimit));
  const { upstreams, close } = connectUpstreams({ services, callTimeoutMs, probeTimeoutMs: healthTimeoutMs, balancing, resilience: resilienceOf(app) });
  app.addHook('onClose', close);
  const watched: WatchedService[] = Object.values(upstreams);
  if (registry !== undefined) {
    // The registry does not register itself: one instance, named as the supervisor names it.
    const resolver: Resolver =
      typeof registry === 'string' ? { service: 'registry', source: 'static', instances: () => [{ id: 'registry-1', url: trimUrl(registry) }] } : registry;
    const pinned = instanceClients((instance) => createServiceClient({ service: 'registry', resolver: pinnedResolver('registry', instance), timeoutMs: healthTimeoutMs, connections: 2, monitoring: true }));
    watched.push({ service: 'registry', instances: () => resolver.instances(), probeOf: (instance) => pinned.of(instance) });
    app.addHook('onClose', pinned.close);
  }
  const adminToken = resolveAdminToken(configuredAdminToken);
  let providerClient: ServiceClient | undefined;
  if (provider !== undefined) {
    const resolver = resolverOf('payment-provider', provider);
    const pinned = instanceClients((instance) => createServiceClient({ service: 'payment-provider', resolver: pinnedResolver('payment-provider', instance), timeoutMs: healthTimeoutMs, connections: 2, monitoring: true }));
    watched.push({ service: 'payment-provider', instances: () => resolver.instances(), probeOf: (instance) => pinned.of(instance) });
    providerClient = createServiceClient({ service: 'payment-provider', resolver, timeoutMs: Math.max(healthTimeoutMs, 5000), connections: 2, monitoring: true, identity });
    const client = providerClient;
    app.addHook('onClose', async () => void (await Promise.all([pinned.close(), client.close()])));
  }
  const apiDocs = createApiDocs({ upstreams, routes: PUBLIC_ROUTES, ownDocument: () => app.swagger(), version: VERSION, ttlMs: docsCacheMs, now });

  await registerDocsRoutes(app, { version: VERSION, apiDocs });
  const discoveryHealth = () => {
    const view = discovery?.view();
    return { registry: view?.registry ?? null, stale: view?.stale ?? false, last_refresh_at: view?.last_refresh_at ?? null };
  };
  registerHealthRoutes(app, { upstreams, version: VERSION, startedAt: Date.now(), resilience: resilienceOf(app), discovery: discoveryHealth });
  registerPublicApiRoutes(app, PUBLIC_ROUTES, upstreams);
  registerDetailsRoutes(app, { resources: createResources(upstreams, identity), budgetMs: composeTimeoutMs });
  registerTraceRoutes(app, { traces });
  const live = createLiveOverview({ services: watched, intervalMs: overviewScrapeMs, historyS: 600, startedAt: Date.now(), now: Date.now, instanceId });
  app.addHook('onListen', async () => live.start(app.server.address()));
  app.addHook('onClose', live.stop);
  registerOverviewRoutes(app, live);
  const self = createSelfClient(() => app.server.address(), callTimeoutMs + composeTimeoutMs);
  const traffic = createTrafficGenerator({ send: self.send, ...trafficOptions });
  app.addHook('onClose', async () => {
    await traffic.close();
    await self.close();
  });
  registerTrafficRoutes(app, traffic, adminToken);
  const admin = connectAdminClients({ services, identity, adminToken, supervisorUrl, timeoutMs: healthTimeoutMs });
  app.addHook('onClose', admin.close);
  registerAdminRoutes(app, { clients: admin, adminToken });
  registerEventRoutes(app, { clients: admin, adminToken });
  registerConsistencyRoutes(app, { upstreams, admin, provider: providerClient });
  if (providerClient) registerProviderRoutes(app, { provider: providerClient, adminToken });
  registerBenchRoutes(app, { topologiesFile, suiteFile });
  const ui = uiDir === undefined ? undefined : loadUiBundle(uiDir);
  registerHomeRoutes(app, PUBLIC_ROUTES, { uiBuilt: ui !== undefined });
  if (ui) registerUiRoutes(app, ui);
  return app;
}
