import { IDEMPOTENCY_NOTE, pageOf, problemResponses, sendPage, type App } from '@microshop/chassis';
import { CreatePayment, ListPaymentsQuery, Payment } from '@microshop/contracts';
import { Type } from 'typebox';
import type { PaymentDeps } from '../domain/deps.js';
import { listPayments } from '../domain/list-payments.js';
import { payOrder } from '../domain/pay-order.js';

/** The Payment service's public API. */
export function registerPaymentRoutes(app: App, deps: PaymentDeps): void {
  app.post(
    '/api/payments',
    {
      config: { idempotent: true },
      schema: {
        tags: ['payments'],
        summary: 'Pay an order (reads it from the Order service and sets it PAID)',
        description: IDEMPOTENCY_NOTE,
        body: CreatePayment,
        response: { 201: Payment, ...problemResponses, 502: { $ref: 'Problem#' } },
      },
    },
    async (request, reply) => reply.code(201).send(await payOrder(deps, request.body)),
  );

  app.get(
    '/api/payments',
    {
      schema: {
        tags: ['payments'],
        summary: 'List payments, newest first (or those of some orders: `?order_id=1&order_id=2`)',
        querystring: ListPaymentsQuery,
        response: { 200: Type.Array(Payment), ...problemResponses },
      },
    },
    async (request, reply) => sendPage(reply, await listPayments(deps, pageOf(request.query), request.query.order_id)),
  );
}
