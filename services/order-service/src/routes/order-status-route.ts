import { declareTestPoints, faultPoint, problemResponses, requireService, type App, type ServiceIdentity } from '@microshop/chassis';
import { IdParams, Order, SERVICE_TOKEN_HEADER, UpdateOrderStatus } from '@microshop/contracts';
import type { OrderDeps } from '../domain/deps.js';
import { updateOrderStatus } from '../domain/update-order-status.js';

declareTestPoints('order.status.paid');

/**
 * The internal status endpoint: only the Payment service, with a valid service token of its own, may
 * use it (any other service's token is 403). The gateway never forwards it.
 */
export function registerOrderStatusRoute(app: App, deps: OrderDeps, identity: ServiceIdentity): void {
  app.put(
    '/api/orders/:id/status',
    {
      // Checked before anything else, validation included: without the right caller nothing about the request matters.
      onRequest: requireService(identity, { from: ['payment-service'] }),
      schema: {
        tags: ['internal'],
        summary: `Set an order's status (internal: the Payment service only, with its token in ${SERVICE_TOKEN_HEADER})`,
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
