import type { App } from '@microshop/chassis';
import { renderHomePage } from '../domain/home-page.js';
import type { PublicRoute } from '../public-routes.js';

/** The page allows its own inline style and nothing else: no script, no outside resource. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** `GET /`: a plain page listing the public API and linking the docs. */
export function registerHomeRoutes(app: App, routes: readonly PublicRoute[]): void {
  const page = renderHomePage(routes);
  app.get('/', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(page),
  );
}
