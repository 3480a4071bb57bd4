import { createServer, createServiceClient, fromRoot, pinnedResolver, resilienceOf, resolveAdminToken, resolverOf, resolveServiceToken, trimUrl, type App, type BalancingStrategy, type Discovery, type Resolver, type ServiceClient } from '@microshop/chassis';
import { SERVICE_TOKEN_HEADER, type BackendName } from '@microshop/contracts';
import { connectAdminClients } from './clients/admin-clients.js';
import { createResources } from './clients/resources.js';
import { instanceClients } from './clients/instance-clients.js';
import { connectUpstreams, type ServiceLocation } from './clients/upstreams.js';
import { createApiDocs } from './domain/api-docs.js';
import { createLiveOverview, type WatchedService } from './domain/overview/live-overview.js';
import { PUBLIC_ROUTES } from './public-routes.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerBenchRoutes, TOPOLOGIES_FILE } from './routes/bench-routes.js';
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
  /** The service credential the gateway presents to `/internal/*`; unset: the development one. */
  serviceToken?: string;
  /** The supervisor's control endpoint; absent: process control answers 503. */
  supervisorUrl?: string;
  /** The topology comparison `GET /api/bench/topologies` serves; default `docs/bench/topologies.json` at the repository root. */
  topologiesFile?: string;
}

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
  serviceToken: configuredServiceToken,
  supervisorUrl,
  topologiesFile = fromRoot(TOPOLOGIES_FILE),
  balancing,
  discovery,
  registry,
  provider,
  instanceId,
}: GatewayAppOptions): Promise<App> {
  const app = await createServer({
    name: 'gateway',
    version: VERSION,
    docs: false,
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    // Its own resilience routes accept the same credential as every service's, not a development one.
    ...(configuredServiceToken === undefined ? {} : { serviceToken: configuredServiceToken }),
  });
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
  const serviceToken = resolveServiceToken(configuredServiceToken);
  const adminToken = resolveAdminToken(configuredAdminToken);
  let providerClient: ServiceClient | undefined;
  if (provider !== undefined) {
    const resolver = resolverOf('payment-provider', provider);
    const pinned = instanceClients((instance) => createServiceClient({ service: 'payment-provider', resolver: pinnedResolver('payment-provider', instance), timeoutMs: healthTimeoutMs, connections: 2, monitoring: true }));
    watched.push({ service: 'payment-provider', instances: () => resolver.instances(), probeOf: (instance) => pinned.of(instance) });
    providerClient = createServiceClient({ service: 'payment-provider', resolver, timeoutMs: Math.max(healthTimeoutMs, 5000), connections: 2, monitoring: true, headers: { [SERVICE_TOKEN_HEADER]: serviceToken } });
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
  registerDetailsRoutes(app, { resources: createResources(upstreams, serviceToken), budgetMs: composeTimeoutMs });
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
  const admin = connectAdminClients({ services, serviceToken, adminToken, supervisorUrl, timeoutMs: healthTimeoutMs });
  app.addHook('onClose', admin.close);
  registerAdminRoutes(app, { clients: admin, adminToken });
  registerEventRoutes(app, { clients: admin, adminToken });
  registerConsistencyRoutes(app, { upstreams, admin, provider: providerClient });
  if (providerClient) registerProviderRoutes(app, { provider: providerClient, adminToken });
  registerBenchRoutes(app, { topologiesFile });
  const ui = uiDir === undefined ? undefined : loadUiBundle(uiDir);
  registerHomeRoutes(app, PUBLIC_ROUTES, { uiBuilt: ui !== undefined });
  if (ui) registerUiRoutes(app, ui);
  return app;
}
