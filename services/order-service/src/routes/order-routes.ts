import { IDEMPOTENCY_NOTE, pageOf, problemResponses, sendPage, type App } from '@microshop/chassis';
import { CancelOrder, DEGRADED_HEADER, Id, IdParams, ListOrdersQuery, ListUserOrdersQuery, Order, OrderWithParties, PlaceOrder } from '@microshop/contracts';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { OrderDeps } from '../domain/deps.js';
import { getOrder } from '../domain/get-order.js';
import { listOrders, type OrdersPage } from '../domain/list-orders.js';
import { placeOrder } from '../domain/place-order.js';
import { updateOrderStatus } from '../domain/update-order-status.js';

/** A page of orders, with `x-degraded` naming the neighbours whose part is missing. */
function sendOrders(reply: FastifyReply, { degraded, ...page }: OrdersPage) {
  if (degraded.length > 0) void reply.header(DEGRADED_HEADER, degraded.join(', '));
  return sendPage(reply, page);
}

/** The Order service's public API. */
export function registerOrderRoutes(app: App, deps: OrderDeps): void {
  app.post(
    '/api/orders',
    {
      config: { idempotent: true },
      schema: {
        tags: ['orders'],
        summary: 'Place an order (reads the price, and the stock, from the Product service)',
        description: `For a product with tracked stock, the order is \`stock: AWAITING\` until the Product service reserves it, and has an \`expires_at\`; a quantity above the stock is 409 naming \`quantity\`. ${IDEMPOTENCY_NOTE}`,
        body: PlaceOrder,
        response: { 201: Order, ...problemResponses },
      },
    },
    async (request, reply) => reply.code(201).send(await placeOrder(deps, request.body)),
  );

  app.get(
    '/api/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'List orders, newest first, with their user and product (`?user_id=` for one user\'s, `embed=false` for orders alone)',
        description: 'With the User or Product service down, still 200: the missing `user` or `product` is null and the `x-degraded` header names the service(s).',
        querystring: ListOrdersQuery,
        response: { 200: Type.Array(OrderWithParties), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { user_id, embed } = request.query;
      return sendOrders(reply, await listOrders(deps, pageOf(request.query), { userId: user_id, embed }));
    },
  );

  app.get(
    '/api/orders/user/:user_id',
    {
      schema: {
        tags: ['orders'],
        summary: 'One user\'s orders (same as `GET /api/orders?user_id=`)',
        params: Type.Object({ user_id: Id }, { additionalProperties: false }),
        querystring: ListUserOrdersQuery,
        response: { 200: Type.Array(OrderWithParties), ...problemResponses },
      },
    },
    async (request, reply) =>
      sendOrders(reply, await listOrders(deps, pageOf(request.query), { userId: request.params.user_id, embed: request.query.embed })),
  );

  app.get(
    '/api/orders/:id',
    { schema: { tags: ['orders'], summary: 'Get an order by id', params: IdParams, response: { 200: Order, ...problemResponses } } },
    async (request) => getOrder(deps, request.params.id),
  );

  app.post(
    '/api/orders/:id/cancel',
    {
      schema: {
        tags: ['orders'],
        summary: 'Cancel a PENDING order (OrderCancelled is published, reason `cancelled`; its stock is released); cancelling a cancelled order again is 200, a PAID one 409',
        params: IdParams,
        body: CancelOrder,
        response: { 200: Order, ...problemResponses },
      },
      // Validation runs after this hook: an absent body is validated as `{}` (a `null` one is not).
      preValidation: async (request) => {
        if (request.body === undefined) request.body = {};
      },
    },
    async (request) => updateOrderStatus(deps, request.params.id, 'CANCELLED', 'cancelled'),
  );
}
