import type { FollowUp, LoadTarget } from './load.js';
import type { BenchSystem } from './system.js';

/** What a scenario needs of the system: where its processes answer. */
export type ScenarioSystem = Pick<BenchSystem, 'url'>;

/** One request pattern to measure. */
export interface Scenario {
  name: string;
  description: string;
  /** Creates what the requests need (users, products, orders) and returns the request (or flow of two) to repeat. */
  prepare(system: ScenarioSystem): Promise<LoadTarget>;
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function seedShop(system: ScenarioSystem): Promise<{ userId: number; productId: number }> {
  const gateway = system.url('gateway');
  const user = await post<{ id: number }>(`${gateway}/api/users`, { name: 'Bench', email: `bench-${Date.now()}@example.com` });
  const product = await post<{ id: number }>(`${gateway}/api/products`, { name: 'Laptop', price: 999.99 });
  return { userId: user.id, productId: product.id };
}

/** Orders to list in `list-orders`: one page of them, each with its user and product embedded. */
const LISTED_ORDERS = 20;

/** Three users, three products and {@link LISTED_ORDERS} orders spread over them. */
async function seedOrders(system: ScenarioSystem): Promise<void> {
  const gateway = system.url('gateway');
  const users: number[] = [];
  const products: number[] = [];
  for (let i = 0; i < 3; i++) {
    users.push((await post<{ id: number }>(`${gateway}/api/users`, { name: `Bench ${i}`, email: `bench-${i}-${Date.now()}@example.com` })).id);
    products.push((await post<{ id: number }>(`${gateway}/api/products`, { name: `Product ${i}`, price: 10 + i })).id);
  }
  for (let i = 0; i < LISTED_ORDERS; i++) {
    await post(`${gateway}/api/orders`, { user_id: users[i % users.length], product_id: products[i % products.length], quantity: 1 + (i % 3) });
  }
}

/** The order id of a JSON answer to `POST /api/orders`, or undefined. */
function orderIdOf(answer: unknown): number | undefined {
  const id = typeof answer === 'object' && answer !== null ? (answer as { id?: unknown }).id : undefined;
  return typeof id === 'number' ? id : undefined;
}

/** `POST /api/payments` for the order the request before created, then `next`. */
function payFor(gateway: string, next?: FollowUp): FollowUp {
  return {
    method: 'POST',
    url: `${gateway}/api/payments`,
    body: (order) => {
      const id = orderIdOf(order);
      return id === undefined ? undefined : JSON.stringify({ order_id: id });
    },
    then: next,
  };
}

/** The scenarios `npm run bench` knows, by name. */
export const SCENARIOS: Record<string, Scenario> = {
  'create-order': {
    name: 'create-order',
    description: 'POST /api/orders through the gateway: gateway → order → (user ∥ product), one transaction (the order and its OrderCreated event in the outbox)',
    async prepare(system) {
      const { userId, productId } = await seedShop(system);
      return { url: `${system.url('gateway')}/api/orders`, method: 'POST', body: JSON.stringify({ user_id: userId, product_id: productId, quantity: 3 }) };
    },
  },
  'get-product': {
    name: 'get-product',
    description: 'GET /api/products/:id through the gateway: gateway → product, one select',
    async prepare(system) {
      const { productId } = await seedShop(system);
      return { url: `${system.url('gateway')}/api/products/${productId}`, method: 'GET' };
    },
  },
  'pay-order': {
    name: 'pay-order',
    description:
      'The payment saga, two requests per flow: POST /api/orders, then POST /api/payments for that order through the gateway: payment → order (claim) → provider (charge, its own process in both topologies) → order (PAID); each request counts',
    async prepare(system) {
      const { userId, productId } = await seedShop(system);
      const gateway = system.url('gateway');
      return {
        url: `${gateway}/api/orders`,
        method: 'POST',
        body: JSON.stringify({ user_id: userId, product_id: productId, quantity: 1 }),
        then: payFor(gateway),
      };
    },
  },
  'list-orders': {
    name: 'list-orders',
    description: `GET /api/orders?limit=${LISTED_ORDERS} through the gateway: gateway → order, one select, its users and products embedded (user ∥ product, one batched call each)`,
    async prepare(system) {
      await seedOrders(system);
      return { url: `${system.url('gateway')}/api/orders?limit=${LISTED_ORDERS}`, method: 'GET' };
    },
  },
  'get-product-direct': {
    name: 'get-product-direct',
    description: 'GET /api/products/:id on the Product service itself, no gateway: one select (what the gateway hop is measured against)',
    async prepare(system) {
      const { productId } = await seedShop(system);
      return { url: `${system.url('product-service')}/api/products/${productId}`, method: 'GET' };
    },
  },
  mixed: {
    name: 'mixed',
    description:
      'A shopper, five requests per flow through the gateway: list products, view one, place an order, pay for it (the saga), list orders with users and products embedded; each request counts',
    async prepare(system) {
      const { userId, productId } = await seedShop(system);
      const gateway = system.url('gateway');
      return {
        url: `${gateway}/api/products?limit=${LISTED_ORDERS}`,
        method: 'GET',
        then: {
          method: 'GET',
          url: `${gateway}/api/products/${productId}`,
          then: {
            method: 'POST',
            url: `${gateway}/api/orders`,
            body: () => JSON.stringify({ user_id: userId, product_id: productId, quantity: 1 }),
            then: payFor(gateway, { method: 'GET', url: `${gateway}/api/orders?limit=${LISTED_ORDERS}` }),
          },
        },
      };
    },
  },
  health: {
    name: 'health',
    description: 'GET /health on the Product service directly: the framework floor',
    async prepare(system) {
      return { url: `${system.url('product-service')}/health`, method: 'GET' };
    },
  },
};
