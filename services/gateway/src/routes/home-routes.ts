import type { App } from '@microshop/chassis';
import { renderHomePage, type HomePageOptions } from '../domain/home-page.js';
import type { PublicRoute } from '../public-routes.js';
import { API_PAGE } from '../web/ui-pages.js';

/** The page allows its own inline style and nothing else: no script, no outside resource. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * `GET /api`: a plain page listing the public API and linking the docs. When the web UI is not
 * built, `GET /` answers with the same page and a hint to build it; otherwise the UI owns `/`.
 */
export function registerHomeRoutes(app: App, routes: readonly PublicRoute[], { uiBuilt }: HomePageOptions): void {
  const page = renderHomePage(routes, { uiBuilt });
  for (const path of uiBuilt ? [API_PAGE] : [API_PAGE, '/']) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).header('x-content-type-options', 'nosniff').send(page),
    );
  }
}
