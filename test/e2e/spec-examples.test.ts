import type { Order, Payment, Problem, Product, User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSystem, type System } from './support/system.js';

const json = { 'content-type': 'application/json' };

/**
 * The spec's two worked examples, on a fresh system started the way `npm start` starts it: once
 * calling each service on its own port, once through the gateway on 5000.
 */
describe.each([
  ['directly on each service\'s port', 'direct'],
  ['through the gateway on port 5000', 'gateway'],
] as const)('The spec\'s worked examples, %s', (_label, via) => {
  let system: System;
  const at = (service: 'user-service' | 'product-service' | 'order-service' | 'payment-service') =>
    via === 'gateway' ? system.baseUrl('gateway') : system.baseUrl(service);

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    expect(await system.stop()).toBe(0);
  });

  test('Creating an order: product 2 at 999.99 × 3 → total 2999.97, PENDING', async () => {
    const user = await request<User>(at('user-service'), 'POST', '/api/users', { name: 'Ann', email: 'ann@example.com' });
    expect(user).toMatchObject({ status: 201, body: { id: 1, name: 'Ann' } });
    await request(at('product-service'), 'POST', '/api/products', { name: 'Mouse', price: 25 });
    const laptop = await request<Product>(at('product-service'), 'POST', '/api/products', { name: 'Laptop', price: 999.99 });
    expect(laptop.body).toMatchObject({ id: 2, name: 'Laptop', price: 999.99 });

    const order = await request<Order>(at('order-service'), 'POST', '/api/orders', { user_id: 1, product_id: 2, quantity: 3 });
    expect(order.status).toBe(201);
    expect(order.body).toEqual({
      id: 1,
      user_id: 1,
      product_id: 2,
      quantity: 3,
      total: 2999.97,
      status: 'PENDING',
      created_at: expect.any(String) as string,
    });
  });

  test('Processing a payment: order 1 → amount 2999.97, COMPLETED, and the order becomes PAID', async () => {
    const payment = await request<Payment>(at('payment-service'), 'POST', '/api/payments', { order_id: 1 });
    expect(payment.status).toBe(201);
    expect(payment.body).toEqual({ id: 1, order_id: 1, amount: 2999.97, status: 'COMPLETED', created_at: expect.any(String) as string });

    const order = await request<Order>(at('order-service'), 'GET', '/api/orders/1');
    expect(order.body).toMatchObject({ id: 1, total: 2999.97, status: 'PAID' });
    // Straight from the Order service too, whatever the route the payment took.
    expect((await request<Order>(system.baseUrl('order-service'), 'GET', '/api/orders/1')).body.status).toBe('PAID');
  });

  test('Paying the same order again is refused, and there is still one payment', async () => {
    const again = await request<Problem>(at('payment-service'), 'POST', '/api/payments', { order_id: 1 });
    expect(again).toMatchObject({ status: 409, body: { field: 'order_id' } });
    const payments = await request<Payment[]>(at('payment-service'), 'GET', '/api/payments');
    expect(payments.body).toHaveLength(1);
    expect(payments.headers.get('x-total-count')).toBe('1');
  });

  test('Listing orders embeds the user and the product of each', async () => {
    const { status, body } = await request<(Order & { user: User; product: Product })[]>(at('order-service'), 'GET', '/api/orders');
    expect(status).toBe(200);
    expect(body[0]).toMatchObject({ id: 1, status: 'PAID', user: { id: 1, name: 'Ann' }, product: { id: 2, name: 'Laptop', price: 999.99 } });
  });

  test('Lists are there for each service, newest first with X-Total-Count', async () => {
    const users = await request<User[]>(at('user-service'), 'GET', '/api/users');
    expect(users.headers.get('x-total-count')).toBe('1');
    const products = await request<Product[]>(at('product-service'), 'GET', '/api/products');
    expect(products.body.map((p) => p.name)).toEqual(['Laptop', 'Mouse']);
    expect(products.headers.get('x-total-count')).toBe('2');
  });

  test('Every service answers /health on its own port', async () => {
    for (const service of ['user-service', 'product-service', 'order-service', 'payment-service'] as const) {
      const health = await request<{ status: string }>(system.baseUrl(service), 'GET', '/health');
      expect(health.status, service).toBe(200);
      expect(health.body.status, service).toBe('ok');
    }
    // The gateway's is ok once it has reached every service itself, each within its probe budget: on a
    // loaded machine, one of its first probes after start-up can still miss.
    const gateway = async () => {
      const health = await request<{ status: string }>(system.baseUrl('gateway'), 'GET', '/health');
      return `${health.status} ${health.body.status}`;
    };
    await expect.poll(gateway, { timeout: 10_000 }).toBe('200 ok');
  });
});

describe('Bad input through the gateway: a 4xx naming the field, and nothing stored', () => {
  let system: System;
  let gateway: string;
  const totals = async () =>
    Promise.all(['/api/users', '/api/products', '/api/orders', '/api/payments'].map(async (path) => (await request(gateway, 'GET', path)).headers.get('x-total-count')));

  beforeAll(async () => {
    system = await startSystem();
    gateway = system.baseUrl('gateway');
    await request(gateway, 'POST', '/api/users', { name: 'Ann', email: 'ann@example.com' });
    await request(gateway, 'POST', '/api/products', { name: 'Laptop', price: 999.99 });
    await request(gateway, 'POST', '/api/orders', { user_id: 1, product_id: 1, quantity: 1 });
  });
  afterAll(async () => {
    expect(await system.stop()).toBe(0);
  });

  test.each([
    ['malformed JSON', 'POST', '/api/orders', '{"user_id": 1,', 400, 'body'],
    ['a missing field', 'POST', '/api/orders', { user_id: 1, product_id: 1 }, 400, 'quantity'],
    ['a wrong type', 'POST', '/api/orders', { user_id: '1', product_id: 1, quantity: 1 }, 400, 'user_id'],
    ['quantity 0', 'POST', '/api/orders', { user_id: 1, product_id: 1, quantity: 0 }, 400, 'quantity'],
    ['quantity -2', 'POST', '/api/orders', { user_id: 1, product_id: 1, quantity: -2 }, 400, 'quantity'],
    ['a fractional quantity', 'POST', '/api/orders', { user_id: 1, product_id: 1, quantity: 1.5 }, 400, 'quantity'],
    ['an absurd quantity', 'POST', '/api/orders', { user_id: 1, product_id: 1, quantity: 1e9 }, 400, 'quantity'],
    ['a client-chosen total', 'POST', '/api/orders', { user_id: 1, product_id: 1, quantity: 1, total: 0.01 }, 400, 'total'],
    ['an unknown user', 'POST', '/api/orders', { user_id: 999, product_id: 1, quantity: 1 }, 422, 'user_id'],
    ['an unknown product', 'POST', '/api/orders', { user_id: 1, product_id: 999, quantity: 1 }, 422, 'product_id'],
    ['price 0', 'POST', '/api/products', { name: 'Free', price: 0 }, 400, 'price'],
    ['a price with three decimals', 'POST', '/api/products', { name: 'Odd', price: 9.999 }, 400, 'price'],
    ['a duplicate email', 'POST', '/api/users', { name: 'Ann again', email: 'ANN@example.com' }, 409, 'email'],
    ['an unknown field', 'POST', '/api/users', { name: 'Eve', email: 'eve@example.com', role: 'admin' }, 400, 'role'],
    ['an unknown order to pay', 'POST', '/api/payments', { order_id: 999 }, 404, 'order_id'],
    ['an order id of the wrong type', 'POST', '/api/payments', { order_id: 'one' }, 400, 'order_id'],
  ] as const)('%s → %s %s: %i naming %s', async (_case, method, path, body, status, field) => {
    const before = await totals();
    const response = await request<Problem>(gateway, method, path, body, json);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body.field).toBe(field);
    expect(await totals()).toEqual(before);
  });

  test('An unknown id is 404 problem+json on every resource', async () => {
    for (const path of ['/api/users/999', '/api/products/999', '/api/orders/999']) {
      const response = await request<Problem>(gateway, 'GET', path);
      expect(response.status, path).toBe(404);
      expect(response.body.status, path).toBe(404);
    }
  });

  test('A body over the size limit is 413, and nothing is stored', async () => {
    const before = await totals();
    const response = await request<Problem>(gateway, 'POST', '/api/users', { name: 'x'.repeat(70_000), email: 'big@example.com' });
    expect(response.status).toBe(413);
    expect(await totals()).toEqual(before);
  });

  test('The order status endpoint is not public: 404 through the gateway, 401 without the credential, and the order stays PENDING', async () => {
    expect((await request(gateway, 'PUT', '/api/orders/1/status', { status: 'PAID' })).status).toBe(404);
    expect((await request(system.baseUrl('order-service'), 'PUT', '/api/orders/1/status', { status: 'PAID' })).status).toBe(401);
    expect((await request<Order>(gateway, 'GET', '/api/orders/1')).body.status).toBe('PENDING');
  });
});

describe('A neighbour that is down', () => {
  let system: System;
  let gateway: string;

  beforeAll(async () => {
    // Everything but the Product service.
    system = await startSystem({ only: ['user-service', 'order-service', 'payment-service', 'gateway'] });
    gateway = system.baseUrl('gateway');
    await request(gateway, 'POST', '/api/users', { name: 'Ann', email: 'ann@example.com' });
  });
  afterAll(async () => {
    expect(await system.stop()).toBe(0);
  });

  test('Placing an order answers 503 naming product-service within the time budget, and stores nothing', async () => {
    const started = performance.now();
    const response = await request<Problem>(gateway, 'POST', '/api/orders', { user_id: 1, product_id: 1, quantity: 1 });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(503);
    expect(response.body.service).toBe('product-service');
    expect(elapsed).toBeLessThan(2000);
    expect((await request(gateway, 'GET', '/api/orders')).headers.get('x-total-count')).toBe('0');
  });

  test('Product routes through the gateway answer 503 naming the service; the other services answer as usual', async () => {
    const products = await request<Problem>(gateway, 'GET', '/api/products');
    expect(products).toMatchObject({ status: 503, body: { service: 'product-service' } });
    expect((await request(gateway, 'GET', '/api/users')).status).toBe(200);
    expect((await request(gateway, 'GET', '/api/payments')).status).toBe(200);
  });

  test('The gateway\'s /health names the service that is down', async () => {
    const health = await request<{ status: string; services: Record<string, { status: string }> }>(gateway, 'GET', '/health');
    expect(health.body.status).toBe('degraded');
    expect(health.body.services['product-service']?.status).toBe('down');
    expect(health.body.services['order-service']?.status).toBe('ok');
  });
});
