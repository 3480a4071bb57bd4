import type { BenchSystem } from './system.js';

/** One request pattern to measure. */
export interface Scenario {
  name: string;
  description: string;
  /** Creates what the requests need (users, products) and returns the request to repeat. */
  prepare(system: BenchSystem): Promise<{ url: string; method: 'GET' | 'POST'; body?: string }>;
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 201) throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function seedShop(system: BenchSystem): Promise<{ userId: number; productId: number }> {
  const gateway = system.url('gateway');
  const user = await post<{ id: number }>(`${gateway}/api/users`, { name: 'Bench', email: `bench-${Date.now()}@example.com` });
  const product = await post<{ id: number }>(`${gateway}/api/products`, { name: 'Laptop', price: 999.99 });
  return { userId: user.id, productId: product.id };
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
  health: {
    name: 'health',
    description: 'GET /health on the Product service directly: the framework floor',
    async prepare(system) {
      return { url: `${system.url('product-service')}/health`, method: 'GET' };
    },
  },
};
