import { requireAdminToken, type App } from '@microshop/chassis';
import { AdminEvents, RetriedEvent, RetryEventParams } from '@microshop/contracts';
import type { AdminClients } from '../clients/admin-clients.js';
import { listOutboxes, retryDeadLetter } from '../domain/outbox-operations.js';

const tags = ['admin'];
const problem = { $ref: 'Problem#' } as const;
const errors = { 400: problem, 401: problem, 403: problem, 404: problem, 409: problem, 502: problem, 503: problem, 504: problem } as const;

/**
 * The outboxes on the admin API, behind the admin credential: what the Order and Payment services
 * have recorded, published or given up on (so a person can see a stuck or dead event without the
 * service credential), and a way to send a dead letter again. Each is asked of any one instance.
 */
export function registerEventRoutes(app: App, { clients, adminToken }: { clients: AdminClients; adminToken: string }): void {
  const preHandler = requireAdminToken(adminToken);
  app.get(
    '/api/admin/events',
    {
      preHandler,
      config: { monitoring: true },
      schema: { tags, summary: "Each outbox's backlog, lag, latest events and dead letters; null for a service that does not answer (admin)", response: { 200: AdminEvents, ...errors } },
    },
    async () => listOutboxes(clients),
  );
  app.post(
    '/api/admin/events/:service/:event_id/retry',
    { preHandler, schema: { tags, summary: 'Send a dead letter of a service again (admin)', params: RetryEventParams, response: { 200: RetriedEvent, ...errors } } },
    async (request, reply) => {
      const { status, body } = await retryDeadLetter(clients, request.params.service, request.params.event_id);
      // A refusal passed on stays a problem for the client.
      if (status >= 400) void reply.type('application/problem+json');
      return reply.code(status).send(body);
    },
  );
}
