import { Id, IdList, IdParams, ListOrdersQuery, ListPaymentsQuery, ListUserOrdersQuery, PageQuery, type BackendName } from '@microshop/contracts';
import { Type, type TSchema } from 'typebox';

/** One public operation: what the gateway accepts on port 5000 and which service answers it. */
export interface PublicRoute {
  method: 'GET' | 'POST';
  /** The path pattern, the same at the gateway and at the service. `:id` is a positive integer. */
  path: string;
  service: BackendName;
  summary: string;
  /** Path parameters; each one is rebuilt into the upstream path from its validated value. */
  params?: TSchema;
  /** Query parameters; only these are forwarded, re-encoded from their validated values. */
  query?: TSchema;
}

/** `?limit=&offset=` plus `?id=1&id=2` for fetching several by id. */
const PageOrIdsQuery = Type.Object({ ...PageQuery.properties, id: Type.Optional(IdList) }, { additionalProperties: false });

/**
 * The public API, and nothing else: every (method, path) not listed here is a 404 at the gateway.
 * `PUT /api/orders/:id/status` is internal (it needs the service credential) and is deliberately
 * absent.
 */
export const PUBLIC_ROUTES: readonly PublicRoute[] = [
  { method: 'POST', path: '/api/users', service: 'user-service', summary: 'Create a user' },
  { method: 'GET', path: '/api/users', service: 'user-service', summary: 'List users', query: PageOrIdsQuery },
  { method: 'GET', path: '/api/users/:id', service: 'user-service', summary: 'Get a user', params: IdParams },

  { method: 'POST', path: '/api/products', service: 'product-service', summary: 'Create a product' },
  { method: 'GET', path: '/api/products', service: 'product-service', summary: 'List products', query: PageOrIdsQuery },
  { method: 'GET', path: '/api/products/:id', service: 'product-service', summary: 'Get a product', params: IdParams },
  { method: 'POST', path: '/api/products/:id/restock', service: 'product-service', summary: 'Add units to a stocked product', params: IdParams },

  { method: 'POST', path: '/api/orders', service: 'order-service', summary: 'Place an order' },
  { method: 'GET', path: '/api/orders', service: 'order-service', summary: 'List orders', query: ListOrdersQuery },
  { method: 'GET', path: '/api/orders/:id', service: 'order-service', summary: 'Get an order', params: IdParams },
  { method: 'POST', path: '/api/orders/:id/cancel', service: 'order-service', summary: 'Cancel a pending order', params: IdParams },
  {
    method: 'GET',
    path: '/api/orders/user/:user_id',
    service: 'order-service',
    summary: "List one user's orders",
    params: Type.Object({ user_id: Id }, { additionalProperties: false }),
    query: ListUserOrdersQuery,
  },

  { method: 'POST', path: '/api/payments', service: 'payment-service', summary: 'Pay an order' },
  { method: 'GET', path: '/api/payments', service: 'payment-service', summary: 'List payments', query: ListPaymentsQuery },
  { method: 'GET', path: '/api/payments/:id', service: 'payment-service', summary: 'Get a payment (poll it after a 202)', params: IdParams },
  { method: 'GET', path: '/api/payments/:id/saga', service: 'payment-service', summary: "Get a payment with every step of its saga", params: IdParams },
];

/** `/api/users/:id` → `/api/users/{id}`, the form OpenAPI documents use. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}');
}

/** A view the gateway composes itself from several services. */
export interface ComposedView {
  method: 'GET';
  path: string;
  summary: string;
  services: readonly BackendName[];
}

/** The composed views (API composition at the gateway), answered by `routes/details-routes.ts`. */
export const COMPOSED_VIEWS: readonly ComposedView[] = [
  {
    method: 'GET',
    path: '/api/users/:id/details',
    summary: 'A user with their orders, payments and a summary',
    services: ['user-service', 'order-service', 'payment-service'],
  },
  {
    method: 'GET',
    path: '/api/orders/:id/details',
    summary: 'An order with its user, product and payment',
    services: ['order-service', 'user-service', 'product-service', 'payment-service'],
  },
  {
    method: 'GET',
    path: '/api/orders/:id/timeline',
    summary: "An order's saga: each payment with every step, retry and compensation, and its stock reservation",
    services: ['order-service', 'payment-service', 'product-service'],
  },
];
