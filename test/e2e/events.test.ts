import { randomBytes } from 'node:crypto';
import { connectNatsBroker, type NatsBroker } from '@microshop/chassis';
import type { EventEnvelope, Order, OutboxState, Payment, Product, User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

const NATS_URL = 'nats://127.0.0.1:4222';

/**
 * Events written with the change and relayed, on the real processes under the supervisor code:
 * with `BROKER_URL` set, the Order and Payment services publish their outbox to NATS JetStream
 * (the machine's nats-server; .ci/run starts it), and a consumer reading the stream sees each
 * change once, in order per order.
 */
describe('Events from the outbox through NATS JetStream, end to end', () => {
  const suffix = randomBytes(4).toString('hex');
  const stream = `E2E_EVENTS_${suffix}`;
  const prefix = `e2e.${suffix}.events`;
  let broker: NatsBroker;
  let system: SupervisedSystem;

  beforeAll(async () => {
    broker = await connectNatsBroker({ url: NATS_URL, stream, subjectPrefix: prefix });
    system = await startSupervisedSystem({ env: { BROKER_URL: NATS_URL, BROKER_STREAM: stream, BROKER_SUBJECT_PREFIX: prefix } });
  }, 90_000);
  afterAll(async () => {
    await system?.stop();
    await broker?.jsm.streams.delete(stream).catch(() => undefined);
    await broker?.close();
  });

  test('When an order is placed and paid, then OrderCreated, OrderPaid and PaymentCompleted reach the stream once each, with their data, and both outboxes are empty', async () => {
    const user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Nat', email: 'nat@example.com' })).body;
    const product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
    const order = (await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 3 })).body;
    const payment = (await request<Payment>(system.url, 'POST', '/api/payments', { order_id: order.id })).body;
    expect(payment.status).toBe('COMPLETED');

    const received: EventEnvelope[] = [];
    const consumer = await broker.consume({ durable: `e2e-${suffix}`, types: ['OrderCreated', 'OrderPaid', 'PaymentCompleted'], handle: async (event) => void received.push(event) });
    try {
      await expect.poll(() => received.length, { timeout: 10_000, interval: 100 }).toBe(3);
    } finally {
      await consumer.stop();
    }
    const orderEvents = received.filter((e) => e.subject === `order/${order.id}`);
    expect(orderEvents.map((e) => [e.type, e.data])).toEqual([
      ['OrderCreated', { order_id: order.id, user_id: user.id, product_id: product.id, quantity: 3, total: 2999.97 }],
      ['OrderPaid', { order_id: order.id, total: 2999.97 }],
    ]);
    expect(received.find((e) => e.type === 'PaymentCompleted')).toMatchObject({ source: 'payment-service', data: { payment_id: payment.id, order_id: order.id, amount: 2999.97 } });
    expect((await broker.jsm.streams.info(stream)).state.messages).toBe(3);

    for (const service of ['order-service', 'payment-service'] as const) {
      const outbox = await request<OutboxState>(system.baseUrl(service), 'GET', '/internal/events/outbox', undefined, system.keys.headers('gateway', service));
      expect(outbox.body).toMatchObject({ pending: 0, dead: 0 });
      expect(outbox.body.recent.every((e) => e.state === 'published')).toBe(true);
    }
  });
});
