import { problemResponses, type App } from '@microshop/chassis';
import { StartTraffic, TrafficRun } from '@microshop/contracts';
import type { TrafficGenerator } from '../domain/traffic.js';

const tags = ['traffic'];

/**
 * The traffic generator's controls: start a bounded run, watch its progress, stop it. Like the
 * rest of the gateway's own operations they are unauthenticated for now: the gateway listens on
 * loopback by default (`HOST=127.0.0.1`).
 */
export function registerTrafficRoutes(app: App, traffic: TrafficGenerator): void {
  app.post(
    '/api/traffic',
    {
      schema: {
        tags,
        summary: 'Start a bounded run of realistic traffic through the public API (one at a time)',
        body: StartTraffic,
        response: { 202: TrafficRun, ...problemResponses },
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
  app.delete('/api/traffic', { schema: { tags, summary: 'Stop the running traffic run', response: { 200: TrafficRun } } }, async () => traffic.stop());
}
