import { declareTestPoints, faultPoint, problemResponses, requireServiceToken, type App } from '@microshop/chassis';
import { IdParams, Order, SERVICE_TOKEN_HEADER, UpdateOrderStatus } from '@microshop/contracts';
import type { OrderDeps } from '../domain/deps.js';
import { updateOrderStatus } from '../domain/update-order-status.js';

declareTestPoints('order.status.paid');

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
        description: 'CANCELLED takes an optional `reason` (default `cancelled`). PAID is 409 while the order\'s stock is not confirmed (`stock` AWAITING or REJECTED).',
        params: IdParams,
        body: UpdateOrderStatus,
        response: { 200: Order, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' }, ...problemResponses },
      },
    },
    async (request) => {
      // Test hook: makes setting PAID fail for as long as a test wants while CANCELLED still works
      // (a charge that cannot be recorded, which the Payment saga must compensate).
      if (request.body.status === 'PAID') faultPoint('order.status.paid');
      return updateOrderStatus(deps, request.params.id, request.body.status, request.body.reason);
    },
  );
}
