import { ADMIN_TOKEN_HEADER, type ChaosState, type Order, type Problem, type Product, type User } from '@microshop/contracts';
import { request, sampleDelta, scrapeMetrics } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

/** The Order service's answers are held this long: past the gateway's first-byte limit (1 s by default). */
const ORDER_LATENCY_MS = 1500;
const PAYMENTS = 3;
/** How long the gateway waits for each attempt's answer (`FIRST_BYTE_TIMEOUT_MS`, default). */
const GATEWAY_WAIT_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Deadline propagation across three real processes at their default timeouts: the gateway gives
 * each attempt 1 s to answer out of a 2 s call budget, and tells the Payment service so in
 * `x-budget-ms`. When the Order service is slower than that, the Payment service gives up its read
 * of the order when the gateway gives up waiting for it, instead of retrying it into the second
 * second for an answer no one would read.
 */
describe('Deadlines across processes', () => {
  let system: SupervisedSystem;
  let order: Order;
  const admin = () => ({ [ADMIN_TOKEN_HEADER]: system.adminToken });

  beforeAll(async () => {
    system = await startSupervisedSystem();
    const user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Deadline', email: 'deadline@example.com' })).body;
    const product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
    order = (await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 1 })).body;
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  });

  test('When the Order service answers later than the gateway waits, then a payment fails with 503 and the Payment service stops waiting for the order when the gateway stops waiting for it', async () => {
    const paymentService = system.baseUrl('payment-service');
    const set = await request<ChaosState>(system.url, 'PUT', '/api/admin/services/order-service/chaos', { latency_ms: ORDER_LATENCY_MS, expires_in_s: 30 }, admin());
    expect(set.status).toBe(200);

    const payments: { status: number; problem: string; ms: number; waitedMs: number; reads: number; timedOut: number }[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const before = await scrapeMetrics(paymentService);
      const started = performance.now();
      const paid = await request<Problem>(system.url, 'POST', '/api/payments', { order_id: order.id });
      const ms = performance.now() - started;
      // The Payment service's reads of the order may still be waiting when the gateway has answered: let them end.
      await sleep(ORDER_LATENCY_MS);
      const after = await scrapeMetrics(paymentService);
      const toOrder = { target: 'order-service', method: 'GET' };
      payments.push({
        status: paid.status,
        problem: `${paid.body.service ?? '?'}: ${paid.body.detail}`,
        ms,
        waitedMs: 1000 * sampleDelta(before, after, 'microshop_http_client_request_duration_seconds_sum', toOrder),
        reads: sampleDelta(before, after, 'microshop_http_client_requests_total', toOrder),
        timedOut: sampleDelta(before, after, 'microshop_http_client_requests_total', { ...toOrder, outcome: 'timeout' }),
      });
    }
    await request(system.url, 'DELETE', '/api/admin/services/order-service/chaos', undefined, admin());

    console.log(`Order slowed to ${ORDER_LATENCY_MS} ms: ${payments.map((p) => `${p.status} (${p.problem}) in ${p.ms.toFixed(0)} ms, the Payment service waiting ${p.waitedMs.toFixed(0)} ms for the order in ${p.reads} reads (${p.timedOut} timed out)`).join('; ')}`);
    for (const payment of payments) {
      expect(payment.status).toBe(503);
      expect(payment.ms).toBeLessThan(ORDER_LATENCY_MS);
      expect(payment.reads).toBeGreaterThanOrEqual(1);
      // Told the gateway's wait (1 s, less a margin), the Payment service gives the order up with it.
      // Told the gateway's whole 2 s budget, it retried the read after its own 1 s first-byte limit
      // and waited about 1.9 s, for an answer no one would read.
      expect(payment.waitedMs).toBeLessThan(GATEWAY_WAIT_MS + 400);
    }
  });
});
