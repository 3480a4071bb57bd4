import { problemResponses, type App } from '@microshop/chassis';
import { IdParams, OrderDetails, OrderTimeline, UserDetails } from '@microshop/contracts';
import type { Resources } from '../clients/resources.js';
import { orderDetails, orderTimeline } from '../domain/order-details.js';
import { userDetails } from '../domain/user-details.js';

export interface DetailsRouteOptions {
  resources: Resources;
  /** The time budget of one composed view, shared by every call it makes. */
  budgetMs: number;
}

/** The composed views: one request at the gateway, several services behind it. */
export function registerDetailsRoutes(app: App, { resources, budgetMs }: DetailsRouteOptions): void {
  app.get(
    '/api/users/:id/details',
    {
      schema: {
        tags: ['composed views'],
        summary: 'A user with their orders and payments (User, Order and Payment services)',
        params: IdParams,
        response: { 200: UserDetails, ...problemResponses },
      },
    },
    async (request) => userDetails(resources, request.params.id, { deadline: Date.now() + budgetMs }),
  );

  app.get(
    '/api/orders/:id/details',
    {
      schema: {
        tags: ['composed views'],
        summary: 'An order with its user, product and payment (all four services)',
        params: IdParams,
        response: { 200: OrderDetails, ...problemResponses },
      },
    },
    async (request) => orderDetails(resources, request.params.id, { deadline: Date.now() + budgetMs }),
  );

  app.get(
    '/api/orders/:id/timeline',
    {
      schema: {
        tags: ['composed views'],
        summary: "An order's saga: each payment with every step, retry and compensation (with trace ids), and its stock reservation",
        params: IdParams,
        response: { 200: OrderTimeline, ...problemResponses },
      },
    },
    async (request) => orderTimeline(resources, request.params.id, { deadline: Date.now() + budgetMs }),
  );
}
