import { describe, expect, test } from 'vitest';
import { learn, newShopMemory, nextRequest } from '../src/domain/traffic-scenario.js';

describe('Traffic scenario: what a shopper does next', () => {
  test('When the shop is unknown, then it asks for users and products first, and only once each', () => {
    const memory = newShopMemory('t1');
    const first = nextRequest(memory, () => 0.5);
    const second = nextRequest(memory, () => 0.5);
    expect([first.path, second.path]).toEqual(['/api/users?limit=100', '/api/products?limit=100']);
    // Until they answer, it browses.
    expect(nextRequest(memory, () => 0).operation).toBe('list_products');
  });

  test('When there are fewer than three users, then it creates some, with plain ASCII e-mails whatever the name', () => {
    const memory = newShopMemory('t2');
    const users = nextRequest(memory, () => 0);
    const products = nextRequest(memory, () => 0);
    learn(memory, users, { status: 200, body: [] }, () => 0);
    learn(memory, products, { status: 200, body: [{ id: 1 }, { id: 2 }, { id: 3 }] }, () => 0);
    // 0.25 picks "Chloé": the e-mail must still be one the User service accepts.
    const create = nextRequest(memory, () => 0.25);
    expect(create).toMatchObject({ operation: 'seed', method: 'POST', path: '/api/users', body: { name: 'Chloé' } });
    expect((create.body as { email: string }).email).toMatch(/^chloe\.t2\.\d+@example\.com$/);
  });

  test('When creations are slow to answer, then it creates no more than the three it needs, and replaces one that failed', () => {
    const memory = newShopMemory('t4');
    const users = nextRequest(memory, () => 0);
    const products = nextRequest(memory, () => 0);
    learn(memory, users, { status: 200, body: [] }, () => 0);
    learn(memory, products, { status: 200, body: [] }, () => 0);
    // Forty requests go out before any creation is answered.
    const sent = Array.from({ length: 40 }, () => nextRequest(memory, () => 0));
    const creations = (path: string) => sent.filter((r) => r.operation === 'seed' && r.method === 'POST' && r.path === path);
    expect(creations('/api/users')).toHaveLength(3);
    expect(creations('/api/products')).toHaveLength(3);
    // One user creation fails, the other two succeed: one more is asked for, then none.
    const [failed, ...made] = creations('/api/users');
    learn(memory, failed!, { status: 503, body: undefined }, () => 0);
    made.forEach((request, i) => learn(memory, request, { status: 201, body: { id: 10 + i } }, () => 0));
    const next = nextRequest(memory, () => 0);
    expect(next).toMatchObject({ operation: 'seed', method: 'POST', path: '/api/users' });
    expect(nextRequest(memory, () => 0).path).not.toBe('/api/users');
  });

  test('When an order is placed, then it may be paid later, once', () => {
    const memory = newShopMemory('t3');
    memory.users = 'known';
    memory.products = 'known';
    memory.userIds.push(1, 2, 3);
    memory.productIds.push(1, 2, 3);
    const order = { operation: 'place_order', method: 'POST', path: '/api/orders', body: {} } as const;
    learn(memory, order, { status: 201, body: { id: 9 } }, () => 0.1);
    expect(memory.toPay).toEqual([9]);
    // Roll into the pay share of the mix (the last 10 of 100).
    const pay = nextRequest(memory, () => 0.95);
    expect(pay).toMatchObject({ operation: 'pay_order', path: '/api/payments', body: { order_id: 9 } });
    expect(nextRequest(memory, () => 0.95).operation).toBe('list_products');
  });
});
