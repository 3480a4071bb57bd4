import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ADMIN_TOKEN_HEADER, type Overview, type TrafficRun } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot, WIDTHS, type TestBrowser } from './support/browser.js';
import { ROOT_DIR, startSystem, waitFor, type System } from './support/system.js';
import { onMonolith, TOPOLOGY } from './support/topology.js';

/** The admin credential the system under test uses: ADMIN_TOKEN, or the development one `npm start` made. */
const adminToken = () => process.env.ADMIN_TOKEN || readFileSync(path.join(ROOT_DIR, '.microshop/admin-token'), 'utf8').trim();

/** Every page of the UI, the name its screenshots get, and something it shows once loaded. */
const PAGES = [
  { path: '/shop', name: 'shop-live', ready: '#orders tbody tr[data-order-id]' },
  { path: '/architecture', name: 'architecture', ready: '.node[data-service="payment-service"][data-health="ok"]' },
  { path: '/traces', name: 'traces', ready: '#trace-list tbody tr[data-trace-id]' },
  { path: '/charts', name: 'metrics', ready: '#charts-order-service .u-over' },
  { path: '/traffic', name: 'traffic', ready: '#traffic-run .progress-bar' },
] as const;

/**
 * The whole UI with the system busy: traffic started from the Traffic page (the gateway sends it),
 * every page at 1280 and 390 px with no console error, the controls labelled and reachable from the
 * keyboard, and a screenshot of each.
 */
describe('The web UI: every page, with traffic flowing', () => {
  let system: System;
  let browser: TestBrowser;
  let page: Page;
  let gateway: string;

  beforeAll(async () => {
    system = await startSystem();
    gateway = system.baseUrl('gateway');
    browser = await launchBrowser();
    page = await browser.newPage(WIDTHS.desktop);
  });
  afterAll(async () => {
    await request(gateway, 'DELETE', '/api/traffic', undefined, { [ADMIN_TOKEN_HEADER]: adminToken() }).catch(() => undefined);
    await browser?.close();
    if (system) expect(await system.stop()).toBe(0);
  });

  test('Traffic started from the page runs in the gateway: its progress moves and real orders and payments appear', async () => {
    await page.goto(`${gateway}/traffic`);
    // The controls ask for the admin token once; the tab keeps it.
    await page.getByRole('textbox', { name: 'Admin token' }).fill(adminToken());
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByLabel('Requests/s').fill('20');
    await page.getByLabel('Duration (s)').fill('120');
    await page.getByRole('button', { name: 'Start traffic' }).click();
    await page.getByText('Started: 20/s for 120 s').waitFor();
    const bar = page.getByRole('progressbar', { name: 'Traffic run progress' });
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(2);
    expect(await page.locator('#traffic-run [data-state]').getAttribute('data-state')).toBe('running');
    expect(await page.getByRole('button', { name: 'Start traffic' }).isDisabled()).toBe(true);

    // The requests are real: orders are placed and paid through the public API.
    const run = await waitFor(async () => {
      const answer = await request<TrafficRun>(gateway, 'GET', '/api/traffic');
      return (answer.body.operations.pay_order?.ok ?? 0) > 0 ? answer.body : undefined;
    }, 30_000);
    expect(run.last_error).toBeNull();
    expect(run.totals.failed).toBe(0);
    const orders = await request(gateway, 'GET', '/api/orders?embed=false');
    expect(Number(orders.headers.get('x-total-count'))).toBeGreaterThan(0);
    // ...and measured: the overview sees requests on the Order service and calls from Order to Product.
    await waitFor(async () => {
      const overview = (await request<Overview>(gateway, 'GET', '/api/overview')).body;
      const order = overview.services.find((s) => s.name === 'order-service');
      const edge = overview.edges.find((e) => e.from === 'order-service' && e.to === 'product-service');
      return (order?.requests_per_s ?? 0) > 0 && (edge?.calls_per_s ?? 0) > 0;
    }, 20_000);
  });

  test(`The architecture view says which topology runs (${TOPOLOGY}): the monolith's banner names the one process, and its modules show as in-process`, async () => {
    await page.setViewportSize(WIDTHS.desktop);
    await page.goto(`${gateway}/architecture`);
    await page.locator('.node[data-service="order-service"][data-health="ok"]').first().waitFor({ timeout: 20_000 });
    const banner = page.locator('[data-topology="monolith"]');
    if (onMonolith) {
      await banner.waitFor({ timeout: 10_000 });
      expect(await banner.textContent()).toContain('Modular monolith');
      expect(await page.locator('.node[data-service="order-service"] .instance-id').first().textContent()).toBe('in-process');
    } else {
      await page.waitForTimeout(1500);
      expect(await banner.count()).toBe(0);
      expect(await page.locator('.node[data-service="order-service"] .instance-id').first().textContent()).toBe('#1');
    }
  });

  for (const { path, name, ready } of PAGES) {
    test(`${path} shows its content at 1280 and 390 px, fits the phone's width, and has a label on every control`, async () => {
      await page.setViewportSize(WIDTHS.desktop);
      await page.goto(`${gateway}${path}`);
      await page.locator(ready).first().waitFor({ timeout: 20_000 });
      // Let live views take a few more polls.
      await page.waitForTimeout(path === '/charts' ? 4000 : 2500);
      await screenshot(page, `${name}-1280`);

      const unlabelled = await page.evaluate<string[]>(`[...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.textContent || '').trim())
        .map((el) => el.outerHTML.slice(0, 80))`);
      expect(unlabelled).toEqual([]);

      await page.setViewportSize(WIDTHS.phone);
      await page.waitForTimeout(1000);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(WIDTHS.phone.width);
      await screenshot(page, `${name}-390`);
      await page.setViewportSize(WIDTHS.desktop);
    });
  }

  test('From the keyboard: skip to the content, move through the navigation, open a page with Enter', async () => {
    await page.goto(`${gateway}/shop`);
    await page.locator('#user-name').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Architecture');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${gateway}/architecture`);
    expect(await page.locator('nav[aria-label="Main"] [aria-current="page"]').textContent()).toBe('Architecture');
    // Back to the shop: a form is filled and sent with the keyboard alone.
    await page.goto(`${gateway}/shop`);
    await page.locator('#user-name').focus();
    await page.keyboard.type('Kim');
    await page.keyboard.press('Tab');
    await page.keyboard.type('kim@example.com');
    await page.keyboard.press('Enter');
    await page.getByText(/Created user #\d+, Kim/).waitFor();
  });

  test('Stopping the traffic from the page ends the run early', async () => {
    await page.goto(`${gateway}/traffic`);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.locator('#traffic-run [data-state]').getAttribute('data-state')).toBe('stopped');
    const run = (await request<TrafficRun>(gateway, 'GET', '/api/traffic')).body;
    expect(run.state).toBe('stopped');
    expect(run.progress).toBeLessThan(1);
  });

  test('No page showed a console error or warning', () => {
    expect(browser.problems()).toEqual([]);
  });
});
