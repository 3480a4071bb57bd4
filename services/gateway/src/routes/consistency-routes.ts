import type { App, ServiceClient } from '@microshop/chassis';
import { ConsistencyReport } from '@microshop/contracts';
import type { AdminClients } from '../clients/admin-clients.js';
import { readFullLedger } from '../clients/read-all.js';
import type { Upstreams } from '../clients/upstreams.js';
import { checkConsistency } from '../domain/consistency.js';

export interface ConsistencyRouteOptions {
  upstreams: Upstreams;
  admin: AdminClients;
  /** The payment provider's client (service credential); absent: its rules are skipped and it is named unavailable. */
  provider?: ServiceClient | undefined;
  now?: () => number;
}

/**
 * `GET /api/consistency`: the money and stock invariants, read live from every service and the
 * payment provider (docs/consistency.md). A monitoring route, untraced: the web UI's badge and
 * `npm run check:consistency` poll it, and that is not the system's traffic. Orders and payments
 * must be read (else a 503 problem names the service); the provider and Product's books are
 * checked when they answer and named in `unavailable` when they do not.
 */
export function registerConsistencyRoutes(app: App, { upstreams, admin, provider, now = Date.now }: ConsistencyRouteOptions): void {
  app.get(
    '/api/consistency',
    {
      config: { monitoring: true },
      schema: {
        tags: ['observability'],
        summary: 'The money and stock invariants: every order against its payments, the provider\'s ledger and the stock books',
        response: { 200: ConsistencyReport, 503: { $ref: 'Problem#' } },
      },
    },
    async () => checkConsistency(await readFullLedger({ upstreams, admin, provider }), now()),
  );
}
