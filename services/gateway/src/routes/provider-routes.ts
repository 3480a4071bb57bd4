import { requireAdminToken, type App, type ServiceClient } from '@microshop/chassis';
import { ProviderBehaviour } from '@microshop/contracts';
import { callInternal } from '../domain/admin-operations.js';

const tags = ['admin'];
const problem = { $ref: 'Problem#' } as const;
const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 502: problem, 503: problem, 504: problem } as const;

/**
 * The simulated payment provider's behaviour on the admin API (admin credential): how often it
 * declines a card, fails a request, and how slow it answers. The gateway passes it on with the
 * service credential; what the saga does about it shows on each order's timeline.
 */
export function registerProviderRoutes(app: App, { provider, adminToken }: { provider: ServiceClient; adminToken: string }): void {
  const preHandler = requireAdminToken(adminToken);
  const answer = async (method: 'GET' | 'PUT', body?: unknown) => {
    const { status, body: behaviour } = await callInternal<ProviderBehaviour>(provider, method, '/v1/behaviour', body);
    return { status, behaviour };
  };
  app.get(
    '/api/admin/provider',
    { preHandler, config: { monitoring: true }, schema: { tags, summary: "The payment provider's decline rate, failure rate and latency (admin)", response: { 200: ProviderBehaviour, ...errors } } },
    async (_request, reply) => {
      const { status, behaviour } = await answer('GET');
      return reply.code(status).send(behaviour);
    },
  );
  app.put(
    '/api/admin/provider',
    { preHandler, schema: { tags, summary: "Set the payment provider's decline rate, failure rate and latency (admin)", body: ProviderBehaviour, response: { 200: ProviderBehaviour, ...errors } } },
    async (request, reply) => {
      const { status, behaviour } = await answer('PUT', request.body);
      if (status >= 400) void reply.type('application/problem+json');
      return reply.code(status).send(behaviour);
    },
  );
}
