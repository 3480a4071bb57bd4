import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBareSystem, type BareKind, type BareSystem } from '../src/bare/index.js';

/** The processes run from tools/bench/dist/bare: `npm run build` first. */
const BASE_PORTS: Record<BareKind, number> = { 'bare-chain': 5160, 'bare-inprocess': 5170 };
const EXPECTED_PROCESSES: Record<BareKind, number> = { 'bare-chain': 4, 'bare-inprocess': 1 };

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('Starting a bare system', () => {
  test('When a process dies during start, then the start fails with its stderr and leaves the ports free', async () => {
    const before = process.env.NODE_OPTIONS;
    // The processes inherit the environment: a preload that does not exist stops node before it listens.
    process.env.NODE_OPTIONS = '--import=/nonexistent/preload.mjs';
    try {
      await expect(startBareSystem('bare-chain', { basePort: 5180 })).rejects.toThrow(/exited during start[\s\S]*nonexistent/);
    } finally {
      if (before === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = before;
    }
    const system = await startBareSystem('bare-chain', { basePort: 5180 });
    await system.stop();
  });
});

describe.each(Object.keys(BASE_PORTS) as BareKind[])('The %s reference system', (kind) => {
  let system: BareSystem;
  let gateway: string;

  beforeAll(async () => {
    system = await startBareSystem(kind, { basePort: BASE_PORTS[kind] });
    gateway = system.url('gateway');
  });
  afterAll(() => system?.stop());

  test('When an order of 3 at 999.99 is placed through the gateway, then it is stored PENDING at 2999.97', async () => {
    expect(system.startupMs).toBeGreaterThan(0);
    const user = await post(`${gateway}/api/users`, { name: 'Ada', email: 'ada@example.com' });
    const product = await post(`${gateway}/api/products`, { name: 'Laptop', price: 999.99 });
    expect([user.status, product.status]).toEqual([201, 201]);
    expect(product.body).toMatchObject({ name: 'Laptop', price: 999.99, description: null });

    const order = await post(`${gateway}/api/orders`, { user_id: user.body.id, product_id: product.body.id, quantity: 3 });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ user_id: user.body.id, product_id: product.body.id, quantity: 3, total_price: 2999.97, status: 'PENDING' });
    const stored = await fetch(`${gateway}/api/orders/${String(order.body.id)}`);
    expect(stored.status).toBe(200);
    expect(await stored.json()).toEqual(order.body);

    const missingUser = await post(`${gateway}/api/orders`, { user_id: Number(user.body.id) + 1000, product_id: product.body.id, quantity: 1 });
    expect(missingUser.status).toBeGreaterThanOrEqual(400);
    expect(missingUser.status).toBeLessThan(500);
    expect((await fetch(`${gateway}/api/orders/${Number(order.body.id) + 1}`)).status).toBe(404);

    const zeroQuantity = await post(`${gateway}/api/orders`, { user_id: user.body.id, product_id: product.body.id, quantity: 0 });
    expect(zeroQuantity.status).toBe(400);
  });

  test('When another system is started on the same ports, then its start fails', async () => {
    await expect(startBareSystem('bare-inprocess', { basePort: BASE_PORTS[kind] })).rejects.toThrow(/already in use/);
  });

  test('When the system is stopped, then none of its processes is left alive', async () => {
    const pids = Object.values(await system.pids());
    expect(pids).toHaveLength(EXPECTED_PROCESSES[kind]);
    expect(pids.every(isAlive)).toBe(true);
    await system.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    expect(await system.pids()).toEqual({});
  });
});
