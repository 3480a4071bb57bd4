import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseExposition, registryOf, sampleSum, type App } from '@microshop/chassis';
import { BACKENDS, type GatewayHealth } from '@microshop/contracts';
import { buildApp as buildProvider, migrations as providerMigrations, type ProviderTables } from '@microshop/payment-provider';
import { createTestDatabase, metricsText, request, testKeys, type TestDatabase } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig, MODULES } from '../src/config.js';
import { openMonolith, type Door, type Monolith } from '../src/monolith.js';

/** Every module signs with its own key of this set (SERVICE_KEYS_FILE), the provider outside the process too. */
const keys = testKeys();
const ADMIN_TOKEN = 'y'.repeat(20);

/** The kinds of handle that keep a process alive, counted. */
function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) if (['TCPServerWrap', 'TCPSocketWrap', 'Timeout', 'Immediate'].includes(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The rows of `table` in a module's SQLite file, read beside the running module. */
function rowsIn(file: string, table: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function tablesIn(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
  } finally {
    db.close();
  }
}

describe('Monolith: every module in one process, reached through the gateway', () => {
  let dir: string;
  // The payment provider is an outside party in every topology: here, its app on a free port of this process.
  let providerDb: TestDatabase<ProviderTables>;
  let provider: App;
  let monolith: Monolith | undefined;
  let doors: Door[];
  let url: string;
  let handlesBefore: Record<string, number>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'microshop-monolith-'));
    providerDb = await createTestDatabase<ProviderTables>('sqlite', providerMigrations);
    provider = await buildProvider({ database: providerDb.database, logLevel: false, identity: keys.identity('payment-provider'), behaviour: { decline_rate: 0, failure_rate: 0, latency_ms: 0 } });
    const providerUrl = await provider.listen({ port: 0, host: '127.0.0.1' });
    handlesBefore = liveHandles();

    const env = {
      DATABASE_DIR: dir,
      MODULE_PORTS: 'none',
      PORT: '0',
      ...keys.env,
      ADMIN_TOKEN,
      LOG_LEVEL: 'silent',
      OTEL_SDK_DISABLED: 'true',
      // A generous budget for calls between modules: a loaded machine must not fail the example.
      CALL_TIMEOUT_MS: '10000',
      PAYMENT_PROVIDER_URL: providerUrl,
    };
    monolith = await openMonolith(loadConfig(env), env);
    doors = await monolith.listen();
    url = `http://127.0.0.1:${doors[0]?.port ?? 0}`;
  });
  afterAll(async () => {
    await monolith?.close();
    await provider?.close();
    await providerDb?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('When it listens with MODULE_PORTS=none, then only the gateway has a port, a free one; the other modules have none', () => {
    expect(doors).toEqual([{ module: 'gateway', port: expect.any(Number) as unknown }]);
    expect(doors[0]?.port).toBeGreaterThan(0);
    expect([...(monolith?.modules.keys() ?? [])]).toEqual([...MODULES]);
    for (const module of BACKENDS) expect(monolith?.modules.get(module)?.server.listening, module).toBe(false);
    expect(monolith?.modules.get('gateway')?.server.listening).toBe(true);
  });

  test("When the spec's worked example is run through the gateway, then the order of 3 × 999.99 totals 2999.97, and paying it makes it PAID", async () => {
    const user = await request<{ id: number }>(url, 'POST', '/api/users', { name: 'Ann', email: 'ann@example.com' });
    expect(user.status).toBe(201);
    const mouse = await request<{ id: number }>(url, 'POST', '/api/products', { name: 'Mouse', price: 25 });
    const laptop = await request<{ id: number; price: number }>(url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 });
    expect([mouse.status, laptop.status]).toEqual([201, 201]);
    expect(laptop.body.price).toBe(999.99);

    const order = await request<{ id: number; total: number; status: string; quantity: number }>(url, 'POST', '/api/orders', { user_id: user.body.id, product_id: laptop.body.id, quantity: 3 });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ user_id: user.body.id, product_id: laptop.body.id, quantity: 3, total: 2999.97, status: 'PENDING' });

    const payment = await request<{ order_id: number; amount: number; status: string }>(url, 'POST', '/api/payments', { order_id: order.body.id });
    expect([201, 202]).toContain(payment.status);
    expect(payment.body).toMatchObject({ order_id: order.body.id, amount: 2999.97 });
    const paid = await eventually(async () => {
      const { body } = await request<{ status: string; total: number }>(url, 'GET', `/api/orders/${order.body.id}`);
      return body.status === 'PAID' ? body : undefined;
    }, 15_000);
    expect(paid.total).toBe(2999.97);
  });

  test('When the data is looked at, then each module has its own SQLite file in DATABASE_DIR, holding only its own tables', () => {
    expect(readdirSync(dir).filter((file) => file.endsWith('.db')).sort()).toEqual(['orders.db', 'payments.db', 'products.db', 'users.db']);
    expect(monolith?.databases).toEqual({
      'user-service': path.join(dir, 'users.db'),
      'product-service': path.join(dir, 'products.db'),
      'order-service': path.join(dir, 'orders.db'),
      'payment-service': path.join(dir, 'payments.db'),
    });
    const file = (name: string) => path.join(dir, name);
    expect(rowsIn(file('users.db'), 'users')).toBe(1);
    expect(rowsIn(file('products.db'), 'products')).toBe(2);
    expect(rowsIn(file('orders.db'), 'orders')).toBe(1);
    expect(rowsIn(file('payments.db'), 'payments')).toBe(1);
    expect(tablesIn(file('users.db'))).toContain('users');
    for (const [name, foreign] of [
      ['users.db', ['products', 'orders', 'payments']],
      ['products.db', ['users', 'orders', 'payments']],
      ['orders.db', ['users', 'products', 'payments']],
      ['payments.db', ['users', 'products', 'orders']],
    ] as const) {
      for (const table of foreign) expect(tablesIn(file(name)), `${name} has ${table}`).not.toContain(table);
    }
  });

  test("When the gateway's /health is read, then it lists the four services up, each at its in-process address", async () => {
    const { status, body } = await request<GatewayHealth>(url, 'GET', '/health');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(Object.keys(body.services).sort()).toEqual([...BACKENDS].sort());
    for (const service of BACKENDS) {
      expect(body.services[service], service).toMatchObject({ status: 'ok', url: `inproc://${service}`, pid: process.pid });
      expect(body.services[service]?.instances?.map((instance) => instance.url)).toEqual([`inproc://${service}`]);
    }
  });

  test("When the modules' metrics are read, then each module counts its own traffic: the gateway's calls in the gateway's, the orders served in Order's", async () => {
    const gateway = parseExposition(await metricsText(url));
    expect(gateway.filter((s) => s.name === 'microshop_service_info').map((s) => s.labels.service)).toEqual(['gateway']);
    expect(sampleSum(gateway, 'microshop_http_client_requests_total', { target: 'order-service', method: 'POST', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sampleSum(gateway, 'microshop_http_server_requests_total', { method: 'POST', route: '/api/orders', status_code: '201' })).toBe(1);

    const order = parseExposition(await registryOf('order-service').metrics());
    expect(order.filter((s) => s.name === 'microshop_service_info').map((s) => s.labels.service)).toEqual(['order-service']);
    expect(sampleSum(order, 'microshop_http_server_requests_total', { method: 'POST', route: '/api/orders', status_code: '201' })).toBe(1);
    expect(sampleSum(order, 'microshop_http_client_requests_total', { target: 'product-service', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(sampleSum(order, 'microshop_http_client_requests_total', { target: 'order-service' })).toBe(0);
  });

  test('When it is closed, then every module stops, the gateway port refuses, and no socket or timer of it is left', async () => {
    const gatewayApp = monolith?.modules.get('gateway');
    await monolith?.close();
    monolith = undefined;
    expect(gatewayApp?.server.listening).toBe(false);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    // What the monolith opened (sockets, servers, timers of relays, sweepers and scrapers) is gone again.
    const left = await eventually(
      () => {
        const now = liveHandles();
        return Object.entries(now).every(([kind, count]) => count <= (handlesBefore[kind] ?? 0)) ? now : undefined;
      },
      12_000,
    ).catch(() => liveHandles());
    for (const [kind, count] of Object.entries(left)) expect(count, `${kind} handles left`).toBeLessThanOrEqual(handlesBefore[kind] ?? 0);
  });
});
