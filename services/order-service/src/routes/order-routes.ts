import { pageOf, problemResponses, sendPage, type App } from '@microshop/chassis';
import { Id, IdParams, ListOrdersQuery, Order, OrderWithParties, PlaceOrder } from '@microshop/contracts';
import { Type } from 'typebox';
import type { OrderDeps } from '../domain/deps.js';
import { getOrder } from '../domain/get-order.js';
import { listOrders } from '../domain/list-orders.js';
import { placeOrder } from '../domain/place-order.js';

/** The Order service's public API. */
export function registerOrderRoutes(app: App, deps: OrderDeps): void {
  app.post(
    '/api/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order (reads the price from the Product service)',
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
        querystring: ListOrdersQuery,
        response: { 200: Type.Array(OrderWithParties), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { user_id, embed } = request.query;
      return sendPage(reply, await listOrders(deps, pageOf(request.query), { userId: user_id, embed }));
    },
  );

  app.get(
    '/api/orders/user/:user_id',
    {
      schema: {
        tags: ['orders'],
        summary: 'One user\'s orders (same as `GET /api/orders?user_id=`)',
        params: Type.Object({ user_id: Id }, { additionalProperties: false }),
        querystring: Type.Omit(ListOrdersQuery, ['user_id']),
        response: { 200: Type.Array(OrderWithParties), ...problemResponses },
      },
    },
    async (request, reply) =>
      sendPage(reply, await listOrders(deps, pageOf(request.query), { userId: request.params.user_id, embed: request.query.embed })),
  );

  app.get(
    '/api/orders/:id',
    { schema: { tags: ['orders'], summary: 'Get an order by id', params: IdParams, response: { 200: Order, ...problemResponses } } },
    async (request) => getOrder(deps, request.params.id),
  );
}
