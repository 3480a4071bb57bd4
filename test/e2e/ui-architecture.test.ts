import type { GatewayHealth } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot, WIDTHS, type TestBrowser } from './support/browser.js';
import { isAlive, startSystem, waitFor, type System } from './support/system.js';

const BOXES = ['gateway', 'user-service', 'product-service', 'order-service', 'payment-service'] as const;
/** A box is red while its process is down, and for a moment after it was seen replaced. */
const RED = ['down', 'restarted'];

/**
 * The architecture view, live, against the real processes: every box healthy; the Payment
 * process killed turns red within two seconds while the shop keeps working, and green again once
 * the supervisor has restarted it.
 */
describe('The web UI: the architecture, live', () => {
  let system: System;
  let browser: TestBrowser;
  let page: Page;
  let gateway: string;

  const healthOf = (service: string) => page.locator(`.node[data-service="${service}"]`).getAttribute('data-health');

  beforeAll(async () => {
    system = await startSystem();
    gateway = system.baseUrl('gateway');
    browser = await launchBrowser();
    page = await browser.newPage(WIDTHS.desktop);
  });
  afterAll(async () => {
    await browser?.close();
    if (system) expect(await system.stop()).toBe(0);
  });

  test('The view shows the gateway, the registry, the four services and the payment provider as seven healthy boxes, each service with its port, pid and database', async () => {
    // Read once the gateway has reached every service (one of its first probes after start-up can miss on a loaded machine).
    let health = await request<GatewayHealth>(gateway, 'GET', '/health');
    const status = async () => {
      health = await request<GatewayHealth>(gateway, 'GET', '/health');
      return health.body.status;
    };
    await expect.poll(status, { timeout: 10_000 }).toBe('ok');
    await page.goto(`${gateway}/architecture`);
    for (const service of BOXES) await expect.poll(() => healthOf(service), { timeout: 5000 }).toBe('ok');
    await expect.poll(() => page.locator('.node').count(), { timeout: 5000 }).toBe(7);
    await expect.poll(() => healthOf('registry'), { timeout: 5000 }).toBe('ok');

    const payment = page.locator('.node[data-service="payment-service"]');
    expect(await payment.textContent()).toContain(':5004');
    expect(await payment.textContent()).toContain(`pid ${health.body.services['payment-service']?.pid}`);
    expect(await payment.textContent()).toContain('payments.db');
    expect(await page.locator('.node[data-service="gateway"]').textContent()).toContain(`pid ${health.body.pid}`);
    await expect.poll(() => healthOf('payment-provider'), { timeout: 5000 }).toBe('ok');
    // Eight call paths by design: the gateway to each service, Order to User and Product, Payment to Order and to the provider.
    expect(await page.locator('#edges tbody tr').count()).toBe(8);
  });

  test('When the Payment process is killed, its box turns red within 2 s while the shop keeps working, then green again with a new pid', async () => {
    const before = await request<GatewayHealth>(gateway, 'GET', '/health');
    const pid = before.body.services['payment-service']?.pid;
    expect(pid).toEqual(expect.any(Number));

    process.kill(pid as number, 'SIGKILL');
    const killedAt = Date.now();
    await expect.poll(() => healthOf('payment-service'), { timeout: 2000, interval: 50 }).toSatisfy((h) => RED.includes(h ?? ''));
    const redAfterMs = Date.now() - killedAt;
    expect(redAfterMs).toBeLessThan(2000);
    expect(isAlive(pid as number)).toBe(false);
    // The others stay green.
    for (const service of BOXES.filter((s) => s !== 'payment-service')) expect(await healthOf(service)).toBe('ok');
    await screenshot(page, 'architecture-payment-down-1280');

    // Meanwhile, in another tab, the shop works: a user is created and the lists load.
    const shop = await browser.newPage(WIDTHS.desktop);
    await shop.goto(`${gateway}/shop`);
    await shop.locator('#user-name').fill('Bea');
    await shop.locator('#user-email').fill('bea@example.com');
    await shop.getByRole('button', { name: 'Create user' }).click();
    await shop.getByText('Created user #1, Bea').waitFor({ timeout: 5000 });
    expect(await shop.locator('.banner.is-error').count()).toBe(0);
    await shop.close();

    // The supervisor starts Payment again; the box turns green with the new process.
    await expect.poll(() => healthOf('payment-service'), { timeout: 20_000, interval: 200 }).toBe('ok');
    const after = await waitFor(async () => {
      const answer = await request<GatewayHealth>(gateway, 'GET', '/health');
      const service = answer.body.services['payment-service'];
      return service?.status === 'ok' && service.pid !== pid ? service.pid : undefined;
    }, 10_000);
    await expect.poll(() => page.locator('.node[data-service="payment-service"]').textContent(), { timeout: 3000 }).toContain(`pid ${after}`);
  });

  test('No console errors while a service went down and came back', () => {
    // The browser logs every non-2xx answer; while Payment is down, the money check in the top bar
    // honestly answers 503 (it cannot read the payments). Any other status, or any script error, fails.
    expect(browser.problems(/^503$/)).toEqual([]);
  });
});
