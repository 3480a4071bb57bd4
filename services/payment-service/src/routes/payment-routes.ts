import { AppError, IDEMPOTENCY_NOTE, pageOf, problemResponses, sendPage, type App } from '@microshop/chassis';
import { CreatePayment, IdParams, ListPaymentsQuery, Payment, PaymentSaga } from '@microshop/contracts';
import { Type } from 'typebox';
import type { PaymentDeps } from '../domain/deps.js';
import { listPayments } from '../domain/list-payments.js';
import { payOrder } from '../domain/pay-order.js';
import { toPayment, toPaymentSaga } from '../domain/payment-view.js';
import type { SagaRunner } from '../domain/saga.js';

/** The Payment service's public API. */
export function registerPaymentRoutes(app: App, deps: PaymentDeps, runner: SagaRunner): void {
  app.post(
    '/api/payments',
    {
      config: { idempotent: true },
      schema: {
        tags: ['payments'],
        summary: 'Pay an order: charge it through the payment provider and set it PAID (a saga)',
        description: `201 with the COMPLETED payment when the saga finished within the request's budget; 202 with the PENDING payment and a \`Location\` to poll when it goes on in the background; 402 when the card was declined (the order stays payable); 409 when the order cannot be paid. ${IDEMPOTENCY_NOTE}`,
        body: CreatePayment,
        response: { 201: Payment, 202: Payment, ...problemResponses, 402: { $ref: 'Problem#' }, 502: { $ref: 'Problem#' } },
      },
    },
    async (request, reply) => {
      const { status, payment } = await payOrder(deps, runner, request.body);
      if (status === 202) reply.header('location', `/api/payments/${payment.id}`).header('retry-after', '1');
      return reply.code(status).send(payment);
    },
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

  app.get(
    '/api/payments/:id',
    { schema: { tags: ['payments'], summary: 'One payment, as its saga left it (poll it after a 202)', params: IdParams, response: { 200: Payment, ...problemResponses } } },
    async (request) => {
      const row = await deps.payments.findById(request.params.id);
      if (!row) throw AppError.notFound('payment', request.params.id);
      return toPayment(row);
    },
  );

  app.get(
    '/api/payments/:id/saga',
    {
      schema: {
        tags: ['payments'],
        summary: 'A payment and every step of its saga: each attempt, retry and compensation, with its trace id',
        params: IdParams,
        response: { 200: PaymentSaga, ...problemResponses },
      },
    },
    async (request) => {
      const row = await deps.payments.findById(request.params.id);
      if (!row) throw AppError.notFound('payment', request.params.id);
      return toPaymentSaga(row, await deps.payments.logOf(row.id));
    },
  );
}
