import { createServer, resilienceOf, resolveAdminToken, resolveServiceToken, type App } from '@microshop/chassis';
import type { BackendName } from '@microshop/contracts';
import { connectAdminClients } from './clients/admin-clients.js';
import { createResources } from './clients/resources.js';
import { connectUpstreams } from './clients/upstreams.js';
import { createApiDocs } from './domain/api-docs.js';
import { createLiveOverview } from './domain/overview/live-overview.js';
import { PUBLIC_ROUTES } from './public-routes.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerDetailsRoutes } from './routes/details-routes.js';
import { registerDocsRoutes } from './routes/docs-routes.js';
import { createTraceStore, type TraceStore } from './domain/trace-store.js';
import { registerTraceRoutes } from './routes/trace-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerHomeRoutes } from './routes/home-routes.js';
import { registerOverviewRoutes } from './routes/overview-routes.js';
import { registerPublicApiRoutes } from './routes/public-api-routes.js';
import { createSelfClient } from './clients/self-client.js';
import { createTrafficGenerator, type TrafficOptions } from './domain/traffic.js';
import { registerTrafficRoutes } from './routes/traffic-routes.js';
import { registerUiRoutes } from './routes/ui-routes.js';
import { loadUiBundle } from './web/ui-files.js';

export interface GatewayAppOptions {
  /** Each service's base URL, e.g. `{ 'user-service': 'http://127.0.0.1:5001', … }`. */
  services: Record<BackendName, string>;
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
}

const VERSION = '0.1.0';

/** Builds the gateway's app from its neighbours' addresses. Never listens: `main.ts` does, tests do. */
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
}: GatewayAppOptions): Promise<App> {
  const app = await createServer({
    name: 'gateway',
    version: VERSION,
    docs: false,
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
  });
  const { upstreams, close } = connectUpstreams({ urls: services, callTimeoutMs, probeTimeoutMs: healthTimeoutMs, resilience: resilienceOf(app) });
  app.addHook('onClose', close);
  const apiDocs = createApiDocs({ upstreams, routes: PUBLIC_ROUTES, ownDocument: () => app.swagger(), version: VERSION, ttlMs: docsCacheMs, now });

  await registerDocsRoutes(app, { version: VERSION, apiDocs });
  registerHealthRoutes(app, { upstreams, version: VERSION, startedAt: Date.now(), resilience: resilienceOf(app) });
  registerPublicApiRoutes(app, PUBLIC_ROUTES, upstreams);
  registerDetailsRoutes(app, { resources: createResources(upstreams), budgetMs: composeTimeoutMs });
  registerTraceRoutes(app, { traces });
  const live = createLiveOverview({ services: Object.values(upstreams), intervalMs: overviewScrapeMs, historyS: 600, startedAt: Date.now(), now: Date.now });
  app.addHook('onListen', async () => live.start(app.server.address()));
  app.addHook('onClose', live.stop);
  registerOverviewRoutes(app, live);
  const self = createSelfClient(() => app.server.address(), callTimeoutMs + composeTimeoutMs);
  const traffic = createTrafficGenerator({ send: self.send, ...trafficOptions });
  app.addHook('onClose', async () => {
    await traffic.close();
    await self.close();
  });
  const serviceToken = resolveServiceToken(configuredServiceToken);
  const adminToken = resolveAdminToken(configuredAdminToken);
  registerTrafficRoutes(app, traffic, adminToken);
  const admin = connectAdminClients({ urls: services, serviceToken, adminToken, supervisorUrl, timeoutMs: healthTimeoutMs });
  app.addHook('onClose', admin.close);
  registerAdminRoutes(app, { clients: admin, adminToken });
  const ui = uiDir === undefined ? undefined : loadUiBundle(uiDir);
  registerHomeRoutes(app, PUBLIC_ROUTES, { uiBuilt: ui !== undefined });
  if (ui) registerUiRoutes(app, ui);
  return app;
}
