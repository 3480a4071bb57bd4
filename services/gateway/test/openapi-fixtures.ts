import { Problem, type BackendName } from '@microshop/contracts';

const problemRef = { $ref: '#/components/schemas/Problem' };

const operation = (summary: string, extra: Record<string, unknown> = {}) => ({
  summary,
  tags: ['own-tag'],
  responses: { 200: { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } }, 400: { description: 'Bad', content: { 'application/json': { schema: problemRef } } } },
  ...extra,
});

/**
 * What each service's `/openapi.json` looks like, as the chassis generates it: the public
 * operations, `/health`, and operations the gateway must leave out.
 */
export const SERVICE_DOCUMENTS: Record<BackendName, Record<string, unknown>> = {
  'user-service': {
    openapi: '3.1.0',
    info: { title: 'user-service', version: '0.1.0', description: 'Owns users.' },
    components: { schemas: { Problem } },
    paths: {
      '/health': { get: operation('Health check') },
      '/api/users': { post: operation('Create a user'), get: operation('List users') },
      '/api/users/{id}': { get: operation('Get a user'), delete: operation('Delete a user (not public)') },
    },
  },
  'product-service': {
    openapi: '3.1.0',
    info: { title: 'product-service', version: '0.1.0', description: 'Owns products.' },
    // The same name as another service's schema, with other content: must not overwrite it.
    components: { schemas: { Problem, 'def-0': { type: 'string', description: 'product def-0' } } },
    paths: {
      '/health': { get: operation('Health check') },
      '/api/products': { post: operation('Create a product', { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/def-0' } } } } }), get: operation('List products') },
      '/api/products/{id}': { get: operation('Get a product') },
    },
  },
  'order-service': {
    openapi: '3.1.0',
    info: { title: 'order-service', version: '0.1.0', description: 'Owns orders.' },
    components: {
      schemas: {
        Problem,
        'def-0': { type: 'integer', description: 'order def-0' },
        OrderStatusChange: { type: 'object', properties: { status: { type: 'string' } } },
      },
    },
    paths: {
      '/health': { get: operation('Health check') },
      '/api/orders': { post: operation('Place an order', { requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/def-0' } } } } }), get: operation('List orders') },
      '/api/orders/{id}': { get: operation('Get an order') },
      '/api/orders/user/{user_id}': { get: operation("List one user's orders") },
      '/api/orders/{id}/status': {
        put: operation('Set the status (internal)', { tags: ['internal'], requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/OrderStatusChange' } } } } }),
      },
    },
  },
  'payment-service': {
    openapi: '3.1.0',
    info: { title: 'payment-service', version: '0.1.0', description: 'Owns payments.' },
    components: { schemas: { Problem } },
    paths: {
      '/health': { get: operation('Health check') },
      '/api/payments': { post: operation('Pay an order'), get: operation('List payments') },
      '/api/payments/{id}': { get: operation('Get a payment') },
      '/api/payments/{id}/saga': { get: operation('Get a payment with its saga') },
    },
  },
};

/** The operations the merged document must hold, and no others. */
export const EXPECTED_OPERATIONS = [
  'get /health',
  'get /api/overview',
  'get /api/overview/series',
  'get /api/consistency',
  'get /api/bench/topologies',
  'get /api/bench/suite',
  'post /v1/traces',
  'get /api/traces',
  'get /api/traces/{id}',
  'post /api/traffic',
  'get /api/traffic',
  'delete /api/traffic',
  'post /api/users',
  'get /api/users',
  'get /api/users/{id}',
  'post /api/products',
  'get /api/products',
  'get /api/products/{id}',
  'post /api/orders',
  'get /api/orders',
  'get /api/orders/{id}',
  'get /api/orders/user/{user_id}',
  'get /api/users/{id}/details',
  'get /api/orders/{id}/details',
  'get /api/orders/{id}/timeline',
  'post /api/payments',
  'get /api/payments',
  'get /api/payments/{id}',
  'get /api/payments/{id}/saga',
  'get /api/admin/services',
  'get /api/admin/services/{service}/chaos',
  'put /api/admin/services/{service}/chaos',
  'delete /api/admin/services/{service}/chaos',
  'post /api/admin/services/{service}/process',
  'post /api/admin/services/{service}/rollout',
  'put /api/admin/services/{service}/replicas',
  'get /api/admin/services/{service}/resilience',
  'put /api/admin/services/{service}/resilience',
  'get /api/admin/events',
  'post /api/admin/events/{service}/{event_id}/retry',
].sort();
