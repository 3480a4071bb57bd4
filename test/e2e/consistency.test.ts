import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ConsistencyReport, type Order, type Payment, type Product, type User } from '@microshop/contracts';
import { matchesContract } from '@microshop/chassis';
import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, WIDTHS, type TestBrowser } from './support/browser.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';
import { ROOT_DIR } from './support/system.js';

/** `npm run check:consistency -- <args>` from the repository root: its exit code and what it printed. */
function checkConsistency(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'check:consistency', '--', ...args], { cwd: ROOT_DIR, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? -1) : 0, stdout, stderr });
    });
  });
}

/**
 * The money invariant checker on the real system (registry, four services, gateway as processes
 * under the supervisor code, on free ports): consistent after real orders and payments; then the
 * Payment service's SQLite file is written behind its back, and the API, the CLI and the web UI's
 * badge all see the violation.
 */
describe('Money consistency: GET /api/consistency, npm run check:consistency and the badge, end to end', () => {
  let system: SupervisedSystem;
  let browser: TestBrowser | undefined;
  const orders: Order[] = [];
  const report = async () => (await request<ConsistencyReport>(system.url, 'GET', '/api/consistency')).body;

  beforeAll(async () => {
    system = await startSupervisedSystem();
    const user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Ledger', email: 'ledger@example.com' })).body;
    const product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
    for (let n = 1; n <= 3; n++) orders.push((await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: n })).body);
    for (const order of orders.slice(0, 2)) expect((await request<Payment>(system.url, 'POST', '/api/payments', { order_id: order.id })).status).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('When orders are placed and paid through the gateway, then the report is ok with the right counts and the CLI exits 0', async () => {
    const body = await report();
    expect(matchesContract(ConsistencyReport, body)).toBe(true);
    expect(body).toMatchObject({ orders_checked: 3, payments_checked: 2, violations: [], in_flight: [], ok: true });
    const cli = await checkConsistency('--url', system.url);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/^Money consistent: 3 orders, 2 payments, 2 provider charges, 0 stocked products checked/);
    const json = await checkConsistency('--url', system.url, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, orders_checked: 3 });
  });

  test('When a COMPLETED payment is written straight into the Payment database for an unpaid order, then the API, the CLI (exit 1) and the badge report it', async () => {
    const unpaid = orders[2];
    if (!unpaid) throw new Error('no third order');
    const db = new Database(path.join(system.databaseDir, 'payments.db'));
    db.pragma('busy_timeout = 5000');
    const now = new Date().toISOString();
    const inserted = db
      .prepare("INSERT INTO payments (order_id, amount_cents, status, created_at, updated_at) VALUES (?, ?, 'COMPLETED', ?, ?)")
      .run(unpaid.id, Math.round(unpaid.total * 100), now, now);
    db.close();
    const paymentId = Number(inserted.lastInsertRowid);

    const body = await report();
    expect(body.ok).toBe(false);
    expect(body).toMatchObject({ orders_checked: 3, payments_checked: 3 });
    expect(body.violations).toEqual([{ rule: 'charged-unpaid-order', order_id: unpaid.id, payment_id: paymentId, detail: expect.stringContaining('is PENDING') }]);

    const cli = await checkConsistency('--url', system.url);
    console.log(`check:consistency after tampering (exit ${cli.code}):\n${cli.stdout}`);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^1 violation: 3 orders, 3 payments, 2 provider charges, 0 stocked products checked/);
    expect(cli.stdout).toContain(`charged-unpaid-order  order ${unpaid.id}  payment ${paymentId}`);

    browser = await launchBrowser();
    for (const size of [WIDTHS.desktop, WIDTHS.phone]) {
      const page = await browser.newPage(size);
      await page.goto(`${system.url}/shop`);
      const badge = page.getByTestId('money-badge');
      await expect.poll(() => badge.textContent(), { timeout: 15_000 }).toContain('1 violation');
      expect(await badge.isVisible()).toBe(true);
      const box = await badge.boundingBox();
      expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(size.width);
      await badge.click();
      const panel = page.getByRole('region', { name: 'Money invariant violations' });
      await expect.poll(() => panel.textContent()).toContain('charged-unpaid-order');
      expect(await panel.textContent()).toContain(`is PENDING but payment ${paymentId}`);
      await page.close();
    }
    expect(browser.problems()).toEqual([]);
  });

  test('When the gateway cannot be reached, then the CLI exits 2 and says so', async () => {
    // A port that was free a moment ago, and has nothing listening on it now.
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise((resolve) => probe.close(resolve));
    const cli = await checkConsistency('--url', `http://127.0.0.1:${port}`);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('Cannot reach the gateway');
  });
});
