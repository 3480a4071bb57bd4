import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { App } from '@microshop/chassis';
import type { ApiDocs } from '../domain/api-docs.js';
import { DOCS_CSP } from '../web/security-headers.js';

export interface DocsOptions {
  version: string;
  apiDocs: ApiDocs;
}

/**
 * The gateway's own document (collected from its routes, like every service's), `GET /openapi.json`
 * with the merged document of the whole public API, and `GET /docs`, a Swagger UI showing that
 * merged document. Register before any other route, so that the gateway's own routes are collected.
 */
export async function registerDocsRoutes(app: App, { version, apiDocs }: DocsOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'gateway', version, description: 'The public door: forwards the public API to the services, reports their health.' },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  // Swagger UI reads `/docs/json`: make sure the merged document is fresh, then hand it over.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Scripts, styles and calls from this origin only, and never framed.
    staticCSP: DOCS_CSP,
    uiHooks: {
      preHandler: (request, _reply, done) => {
        if (!/\/(json|yaml)$/.test(request.routeOptions.url ?? '')) return done();
        apiDocs.get().then(() => done(), done);
      },
    },
    transformSpecificationClone: false,
    transformSpecification: (own) => apiDocs.latest() ?? own,
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => apiDocs.get());
}
