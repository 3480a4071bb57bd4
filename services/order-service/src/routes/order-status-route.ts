import { problemResponses, requireServiceToken, type App } from '@microshop/chassis';
import { IdParams, Order, SERVICE_TOKEN_HEADER, UpdateOrderStatus } from '@microshop/contracts';
import type { OrderDeps } from '../domain/deps.js';
import { updateOrderStatus } from '../domain/update-order-status.js';

/**
 * The internal status endpoint: only a caller holding the service credential (the Payment
 * service) may use it. The gateway never forwards it.
 */
export function registerOrderStatusRoute(app: App, deps: OrderDeps, serviceToken: string): void {
  app.put(
    '/api/orders/:id/status',
    {
      // Checked before anything else, validation included: without the credential nothing about the request matters.
      onRequest: requireServiceToken(serviceToken),
      schema: {
        tags: ['internal'],
        summary: `Set an order's status (internal: needs the ${SERVICE_TOKEN_HEADER} header)`,
        params: IdParams,
        body: UpdateOrderStatus,
        response: { 200: Order, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' }, ...problemResponses },
      },
    },
    async (request) => updateOrderStatus(deps, request.params.id, request.body.status),
  );
}
