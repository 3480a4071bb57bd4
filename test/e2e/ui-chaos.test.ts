import type { GatewayHealth } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot, WIDTHS, type TestBrowser } from './support/browser.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

/** A box is red while its process is down, and for a moment after it was seen replaced. */
const RED = ['down', 'restarted'];

/**
 * Chaos from the architecture view, against the real processes under the supervisor code on free
 * ports: the admin token asked once, a fault shown with its time left, a killed service red and
 * back, the page usable by keyboard and at 390 px.
 */
describe('The web UI: chaos on the architecture view', () => {
  let system: SupervisedSystem;
  let browser: TestBrowser;
  let page: Page;

  const healthOf = (service: string) => page.locator(`.node[data-service="${service}"]`).getAttribute('data-health');
  const panel = (service: string) => page.locator(`.chaos-service[data-service="${service}"]`);

  beforeAll(async () => {
    system = await startSupervisedSystem();
    browser = await launchBrowser();
    page = await browser.newPage(WIDTHS.desktop);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('When the admin token is given and latency is added to Product, then the view shows the active fault with its time left', async () => {
    await page.goto(`${system.url}/architecture`);
    await page.getByRole('textbox', { name: 'Admin token' }).fill(system.adminToken);
    await page.getByRole('button', { name: 'Use token' }).click();
    await panel('product-service').waitFor({ timeout: 5000 });
    await page.getByLabel('Lasts (s)').fill('30');
    await page.getByRole('button', { name: 'Add latency to Product' }).click();
    const faults = panel('product-service').locator('[data-faults]');
    await expect.poll(() => faults.getAttribute('data-faults'), { timeout: 5000 }).toBe('active');
    expect(await faults.textContent()).toMatch(/latency 500±100 ms · \d+ s left/);
    expect(await panel('user-service').locator('[data-faults]').getAttribute('data-faults')).toBe('none');
    expect(await panel('payment-service').locator('[data-process-state]').textContent()).toBe('running');
    await screenshot(page, 'architecture-chaos-1280');
  });

  test('When Payment is killed from the view, then its box turns red and comes back green with a new pid', async () => {
    const before = (await request<GatewayHealth>(system.url, 'GET', '/health')).body.services['payment-service']?.pid;
    await page.getByRole('button', { name: 'Kill Payment' }).click();
    await expect.poll(() => healthOf('payment-service'), { timeout: 3000, interval: 50 }).toSatisfy((h) => RED.includes(h ?? ''));
    await expect.poll(() => healthOf('payment-service'), { timeout: 20_000, interval: 200 }).toBe('ok');
    const after = (await request<GatewayHealth>(system.url, 'GET', '/health')).body.services['payment-service']?.pid;
    expect(after).not.toBe(before);
  });

  test('When the fault is cleared by keyboard, then the view shows no fault', async () => {
    await page.getByRole('button', { name: 'Clear faults on Product' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => panel('product-service').locator('[data-faults]').getAttribute('data-faults'), { timeout: 5000 }).toBe('none');
  });

  test('At 390 px, the controls fit the width and the token is remembered in the tab', async () => {
    await page.setViewportSize(WIDTHS.phone);
    await page.reload();
    await panel('order-service').waitFor({ timeout: 5000 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.getByRole('button', { name: 'Restart Order' }).isVisible()).toBe(true);
    await screenshot(page, 'architecture-chaos-390');
  });

  test('No console errors but the API answers the page showed', () => {
    expect(browser.problems(/^(4|5)\d\d$/)).toEqual([]);
  });
});
