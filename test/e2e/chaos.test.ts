import { ADMIN_TOKEN_HEADER, type AdminServices, type ChaosState, type Health, type Order, type Problem, type ProcessControlResult, type Product, type User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(100);
  }
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { ms: performance.now() - started, result };
}

/**
 * Chaos driven through the gateway's admin API against the real processes under the real
 * supervisor code (free ports, fresh databases): the spec's fault-isolation claim, injected latency
 * and a paused process.
 */
describe('Chaos through the admin API', () => {
  let system: SupervisedSystem;
  let user: User;
  let product: Product;
  const admin = () => ({ [ADMIN_TOKEN_HEADER]: system.adminToken });

  beforeAll(async () => {
    system = await startSupervisedSystem({ gatewayEnv: { CALL_TIMEOUT_MS: '1000' } });
    user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Chaos', email: 'chaos@example.com' })).body;
    product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  });

  test('Payment killed: through the gateway users, products and orders still answer 200, orders can be placed, payments answer 503 fast naming payment-service', async () => {
    const killed = await request<ProcessControlResult>(system.url, 'POST', '/api/admin/services/payment-service/process', { action: 'kill', for_s: 30 }, admin());
    expect(killed.status).toBe(200);
    await eventually(async () => ((await fetch(`${system.baseUrl('payment-service')}/health`).catch(() => undefined)) === undefined ? true : undefined));

    const lists = await Promise.all(['/api/users', '/api/products', '/api/orders'].map(async (path) => (await request(system.url, 'GET', path)).status));
    expect(lists).toEqual([200, 200, 200]);
    const placed = await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 2 });
    expect(placed.status).toBe(201);

    const payments = [];
    for (let i = 0; i < 5; i++) payments.push(await timed(() => request<Problem>(system.url, 'POST', '/api/payments', { order_id: placed.body.id })));
    const slowest = Math.max(...payments.map((p) => p.ms));
    console.log(`payment-service killed: POST /api/payments answered ${payments.map((p) => p.result.status).join(', ')} in at most ${slowest.toFixed(0)} ms`);
    for (const { result } of payments) {
      expect(result.status).toBe(503);
      expect(result.body.service ?? result.body.detail).toContain('payment-service');
    }
    expect(slowest).toBeLessThan(500);

    // Restart brings it back before its 30 s are up.
    expect((await request(system.url, 'POST', '/api/admin/services/payment-service/process', { action: 'restart' }, admin())).status).toBe(200);
    const paid = await eventually(async () => {
      const answer = await request(system.url, 'POST', '/api/payments', { order_id: placed.body.id });
      return answer.status === 201 ? answer : undefined;
    });
    expect(paid.status).toBe(201);
  });

  test('When 300 ms of latency is injected into the product service for 2 s, then product calls take 300 ms longer, /health shows it, and it lifts by itself', async () => {
    const set = await request<ChaosState>(system.url, 'PUT', '/api/admin/services/product-service/chaos', { latency_ms: 300, expires_in_s: 2 }, admin());
    expect(set).toMatchObject({ status: 200, body: { active: true, latency_ms: 300 } });
    const slow = await timed(() => request(system.url, 'GET', `/api/products/${product.id}`));
    const health = (await request<Health>(system.baseUrl('product-service'), 'GET', '/health')).body;
    const listed = (await request<AdminServices>(system.url, 'GET', '/api/admin/services', undefined, admin())).body;
    expect(slow.result.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(300);
    expect(health.chaos).toMatchObject({ active: true, latency_ms: 300 });
    expect(listed.services.find((s) => s.service === 'product-service')?.chaos?.active).toBe(true);
    expect(system.output()).toContain('chaos: faults injected');

    await sleep(2200);
    const fast = await timed(() => request(system.url, 'GET', `/api/products/${product.id}`));
    const after = (await request<Health>(system.baseUrl('product-service'), 'GET', '/health')).body;
    console.log(`product-service latency: ${slow.ms.toFixed(0)} ms with the fault, ${fast.ms.toFixed(0)} ms after it expired`);
    expect(fast.ms).toBeLessThan(250);
    expect(after.chaos?.active).toBe(false);
  });

  test('When the user service is paused for 2 s, then calls to it fail within the call budget and it answers again by itself', async () => {
    const paused = await request<ProcessControlResult>(system.url, 'POST', '/api/admin/services/user-service/process', { action: 'pause', for_s: 2 }, admin());
    expect(paused).toMatchObject({ status: 200, body: { state: 'paused' } });
    const during = await timed(() => request<Problem>(system.url, 'GET', '/api/users'));
    expect([503, 504]).toContain(during.result.status);
    expect(during.ms).toBeLessThan(2000);
    const resumedAfter = await timed(() => eventually(async () => ((await request(system.url, 'GET', '/api/users')).status === 200 ? true : undefined), 10_000));
    console.log(`user-service paused: ${during.result.status} in ${during.ms.toFixed(0)} ms; answering again ${resumedAfter.ms.toFixed(0)} ms later`);
    const listed = (await request<AdminServices>(system.url, 'GET', '/api/admin/services', undefined, admin())).body;
    expect(listed.services.find((s) => s.service === 'user-service')?.process?.state).toBe('running');
  });

  test('When the admin credential is missing, then process control is 401 and nothing is killed', async () => {
    const before = (await request<Health>(system.baseUrl('order-service'), 'GET', '/health')).body.pid;
    expect((await request(system.url, 'POST', '/api/admin/services/order-service/process', { action: 'kill' })).status).toBe(401);
    expect((await request<Health>(system.baseUrl('order-service'), 'GET', '/health')).body.pid).toBe(before);
  });
});
