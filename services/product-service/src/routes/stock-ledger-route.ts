import { problemResponses, requireService, type App, type ServiceIdentity } from '@microshop/chassis';
import { IdList, SERVICE_TOKEN_HEADER, StockLedger, TOTAL_COUNT_HEADER } from '@microshop/contracts';
import { Type } from 'typebox';
import { MAX_LEDGER_RESERVATIONS } from '../data/stock-repository.js';
import type { ProductDeps } from '../domain/deps.js';
import { getStockLedger } from '../domain/get-stock-ledger.js';

const StockLedgerQuery = Type.Object({ order_id: Type.Optional(IdList) }, { additionalProperties: false });

/**
 * The stock ledger, for other services (the consistency check, the order timeline): internal, it
 * takes the gateway's service token only, and the gateway does not forward it.
 */
export function registerStockLedgerRoute(app: App, deps: ProductDeps, identity: ServiceIdentity): void {
  app.get(
    '/internal/stock',
    {
      // Checked before anything else, validation included: without the right caller nothing about the request matters.
      onRequest: requireService(identity, { from: ['gateway'] }),
      schema: {
        tags: ['internal'],
        summary: `Every stocked product's books and the reservations (\`?order_id=1&order_id=2\` for some orders; internal: the gateway only, with its token in ${SERVICE_TOKEN_HEADER})`,
        description: `Without \`order_id\`, the ${MAX_LEDGER_RESERVATIONS} most recent reservations, newest first; \`${TOTAL_COUNT_HEADER}\` has how many there are.`,
        querystring: StockLedgerQuery,
        response: { 200: StockLedger, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' }, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { ledger, reservationsTotal } = await getStockLedger(deps, request.query.order_id);
      return reply.header(TOTAL_COUNT_HEADER, String(reservationsTotal)).send(ledger);
    },
  );
}
