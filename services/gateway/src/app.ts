import { createServer, type App } from '@microshop/chassis';
import type { BackendName } from '@microshop/contracts';
import { createResources } from './clients/resources.js';
import { connectUpstreams } from './clients/upstreams.js';
import { createApiDocs } from './domain/api-docs.js';
import { PUBLIC_ROUTES } from './public-routes.js';
import { registerDetailsRoutes } from './routes/details-routes.js';
import { registerDocsRoutes } from './routes/docs-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerHomeRoutes } from './routes/home-routes.js';
import { registerPublicApiRoutes } from './routes/public-api-routes.js';

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
}: GatewayAppOptions): Promise<App> {
  const app = await createServer({
    name: 'gateway',
    version: VERSION,
    docs: false,
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
  });
  const { upstreams, close } = connectUpstreams({ urls: services, callTimeoutMs, probeTimeoutMs: healthTimeoutMs });
  app.addHook('onClose', close);
  const apiDocs = createApiDocs({ upstreams, routes: PUBLIC_ROUTES, ownDocument: () => app.swagger(), version: VERSION, ttlMs: docsCacheMs, now });

  await registerDocsRoutes(app, { version: VERSION, apiDocs });
  registerHealthRoutes(app, { upstreams, version: VERSION, startedAt: Date.now() });
  registerPublicApiRoutes(app, PUBLIC_ROUTES, upstreams);
  registerDetailsRoutes(app, { resources: createResources(upstreams), budgetMs: composeTimeoutMs });
  registerHomeRoutes(app, PUBLIC_ROUTES);
  return app;
}
