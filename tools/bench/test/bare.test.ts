import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBareSystem, type BareKind, type BareSystem } from '../src/bare/index.js';

/** The processes run from tools/bench/dist/bare: `npm run build` first. */
const BASE_PORTS: Record<BareKind, number> = { 'bare-chain': 5160, 'bare-inprocess': 5170 };
/** One bare process, started by hand. */
const BARE_ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/bare/main.js');
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

describe('The bare chain with the standard tooling', () => {
  /** The spans the bare gateway's trace sink has received. */
  const received = async (gateway: string) => ((await (await fetch(`${gateway}/v1/traces`)).json()) as { spans: number }).spans;

  /** Places one order through the gateway: 3 requests, 7 HTTP exchanges for the order alone. */
  async function placeOrder(gateway: string): Promise<void> {
    const user = await post(`${gateway}/api/users`, { name: 'Ada', email: 'ada@example.com' });
    const product = await post(`${gateway}/api/products`, { name: 'Laptop', price: 999.99 });
    const order = await post(`${gateway}/api/orders`, { user_id: user.body.id, product_id: product.body.id, quantity: 3 });
    expect(order.body).toMatchObject({ total_price: 2999.97, status: 'PENDING' });
  }

  test('When it is traced, then every request and every call is a span exported to the gateway; untraced, none is', async () => {
    const before = process.env.OTEL_BSP_SCHEDULE_DELAY;
    // The processes inherit the environment: the batch processor exports within 100 ms, not 5 s.
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    try {
      const traced = await startBareSystem('bare-chain', { basePort: 5184, tracing: true });
      try {
        await placeOrder(traced.url('gateway'));
        // User and product: a server span in the gateway, its client span, the service's server span.
        // The order: those three, and a client and a server span for each of the two lookups.
        await expect.poll(() => received(traced.url('gateway')), { timeout: 10_000 }).toBe(13);
      } finally {
        await traced.stop();
      }
      const untraced = await startBareSystem('bare-chain', { basePort: 5184 });
      try {
        await placeOrder(untraced.url('gateway'));
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await received(untraced.url('gateway'))).toBe(0);
      } finally {
        await untraced.stop();
      }
    } finally {
      if (before === undefined) delete process.env.OTEL_BSP_SCHEDULE_DELAY;
      else process.env.OTEL_BSP_SCHEDULE_DELAY = before;
    }
  });

  test("When a process is started with BARE_LOG_LEVEL=info, then fastify logs each request on stdout as JSON lines; without it, nothing", async () => {
    const run = async (env: Record<string, string>) => {
      const child = spawn(process.execPath, [BARE_ENTRY, 'user-service'], { env: { ...process.env, BARE_PORT: '5189', BARE_DATABASE_PATH: mkdtempSync(path.join(tmpdir(), 'bare-log-')), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      try {
        await expect.poll(() => fetch('http://127.0.0.1:5189/health').then((r) => r.status, () => 0), { timeout: 10_000 }).toBe(200);
        await post('http://127.0.0.1:5189/api/users', { name: 'Ada', email: 'ada@example.com' });
      } finally {
        child.kill('SIGTERM');
        await once(child, 'close');
      }
      return out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { msg?: string; level?: number });
    };
    const logged = await run({ BARE_LOG_LEVEL: 'info' });
    expect(logged.filter((line) => line.msg === 'incoming request')).toHaveLength(2);
    expect(logged.filter((line) => line.msg === 'request completed')).toHaveLength(2);
    expect(await run({})).toEqual([]);
  });
});
