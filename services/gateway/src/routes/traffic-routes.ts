import { problemResponses, requireAdminToken, type App } from '@microshop/chassis';
import { StartTraffic, TrafficRun } from '@microshop/contracts';
import type { TrafficGenerator } from '../domain/traffic.js';

const tags = ['traffic'];

const authErrors = { 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } } as const;

/**
 * The traffic generator's controls: start a bounded run and stop it (both behind the admin
 * credential, `x-admin-token`), and watch its progress (open: it changes nothing).
 */
export function registerTrafficRoutes(app: App, traffic: TrafficGenerator, adminToken: string): void {
  const preHandler = requireAdminToken(adminToken);
  app.post(
    '/api/traffic',
    {
      preHandler,
      schema: {
        tags,
        summary: 'Start a bounded run of realistic traffic through the public API, one at a time (admin)',
        body: StartTraffic,
        response: { 202: TrafficRun, ...problemResponses, ...authErrors },
      },
    },
    async (request, reply) => reply.code(202).send(traffic.start(request.body)),
  );
  app.get(
    '/api/traffic',
    // Watching a run is not traffic: the UI asks twice a second.
    { config: { monitoring: true }, schema: { tags, summary: 'The current or last traffic run and its progress', response: { 200: TrafficRun } } },
    async () => traffic.status(),
  );
  app.delete(
    '/api/traffic',
    { preHandler, schema: { tags, summary: 'Stop the running traffic run (admin)', response: { 200: TrafficRun, ...authErrors } } },
    async () => traffic.stop(),
  );
}
