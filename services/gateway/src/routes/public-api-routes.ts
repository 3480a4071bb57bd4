import type { App } from '@microshop/chassis';
import { IDEMPOTENCY_KEY_HEADER } from '@microshop/contracts';
import type { Upstreams } from '../clients/upstreams.js';
import { forwardRequest } from '../domain/forward-request.js';
import type { PublicRoute } from '../public-routes.js';

/**
 * One Fastify route per entry of the public route table, and no other: the router, not a
 * pattern match on the raw URL, decides what is public. The merged OpenAPI document describes
 * these routes, so they are hidden from the gateway's own.
 */
export function registerPublicApiRoutes(app: App, routes: readonly PublicRoute[], upstreams: Upstreams): void {
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.path,
      exposeHeadRoute: false,
      schema: { hide: true, ...(route.params ? { params: route.params } : {}), ...(route.query ? { querystring: route.query } : {}) },
      handler: async (request, reply) => {
        const key = request.headers[IDEMPOTENCY_KEY_HEADER];
        const input = { params: request.params, query: request.query, body: request.body, requestId: request.id, ...(key === undefined ? {} : { idempotencyKey: key }) };
        const answer = await forwardRequest(upstreams[route.service].api, route, input);
        void reply.code(answer.status).headers(answer.headers);
        return answer.body === undefined ? reply.send() : reply.send(JSON.stringify(answer.body));
      },
    });
  }
}
