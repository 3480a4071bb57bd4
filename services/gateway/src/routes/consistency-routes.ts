import type { App } from '@microshop/chassis';
import { ConsistencyReport } from '@microshop/contracts';
import { readLedger } from '../clients/read-all.js';
import type { Upstreams } from '../clients/upstreams.js';
import { checkConsistency } from '../domain/consistency.js';

/**
 * `GET /api/consistency`: every order checked against every payment, read live from the Order and
 * Payment services (the money invariant, ADR 0006). A monitoring route, untraced: the web UI's
 * badge and `npm run check:consistency` poll it, and that is not the system's traffic. A 503
 * problem names the service that could not be read.
 */
export function registerConsistencyRoutes(app: App, upstreams: Upstreams, now: () => number = Date.now): void {
  app.get(
    '/api/consistency',
    {
      config: { monitoring: true },
      schema: {
        tags: ['observability'],
        summary: 'The money invariant: every order against every payment (PAID iff exactly one COMPLETED payment, for its total)',
        response: { 200: ConsistencyReport, 503: { $ref: 'Problem#' } },
      },
    },
    async () => {
      const { orders, payments } = await readLedger(upstreams);
      return checkConsistency(orders, payments, now());
    },
  );
}
