import type { Order, Payment, Product, User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot, WIDTHS, type TestBrowser } from './support/browser.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

/**
 * The events page against the real processes under the supervisor code on free ports: after an
 * order is placed and paid through the API, the page (given the admin token) shows each outbox
 * drained: OrderCreated and OrderPaid under Order, PaymentCompleted under Payment, all published.
 */
describe('The web UI: the events page', () => {
  let system: SupervisedSystem;
  let browser: TestBrowser;
  let page: Page;

  const card = (service: string) => page.locator(`[data-service="${service}"]`);
  const rows = (service: string) =>
    card(service)
      .locator('tr[data-event-type]')
      .evaluateAll((items) => items.map((item) => `${item.getAttribute('data-event-type')}:${item.getAttribute('data-state')}`).sort());

  beforeAll(async () => {
    system = await startSupervisedSystem();
    const user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Eve', email: 'eve@example.com' })).body;
    const product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Lamp', price: 40 })).body;
    const order = await request<Order>(system.url, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 2 });
    expect(order.status).toBe(201);
    const payment = await request<Payment>(system.url, 'POST', '/api/payments', { order_id: order.body.id });
    expect(payment.status).toBe(201);
    browser = await launchBrowser();
    page = await browser.newPage(WIDTHS.desktop);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('When the admin token is given, then Order shows OrderCreated and OrderPaid and Payment shows PaymentCompleted, all published, nothing pending', async () => {
    await page.goto(`${system.url}/events`);
    expect(await page.getByRole('link', { name: 'Events' }).getAttribute('aria-current')).toBe('page');
    await page.getByRole('textbox', { name: 'Admin token' }).fill(system.adminToken);
    await page.getByRole('button', { name: 'Use token' }).click();

    await expect.poll(() => rows('order-service'), { timeout: 10_000, interval: 250 }).toEqual(['OrderCreated:published', 'OrderPaid:published']);
    await expect.poll(() => rows('payment-service'), { timeout: 10_000, interval: 250 }).toEqual(['PaymentCompleted:published']);
    for (const service of ['order-service', 'payment-service']) {
      expect(await card(service).getAttribute('data-pending')).toBe('0');
      expect(await card(service).getAttribute('data-dead')).toBe('0');
    }
    expect(await page.getByRole('table', { name: 'Latest events of Order' }).locator('th').first().textContent()).toBe('Type');
    await screenshot(page, 'events-1280');
  });

  test('At 390 px, the page fits the width and the token is remembered in the tab', async () => {
    await page.setViewportSize(WIDTHS.phone);
    await page.reload();
    await card('payment-service').locator('tr[data-event-type]').first().waitFor({ timeout: 5000 });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  });

  test('No console problems', () => {
    expect(browser.problems()).toEqual([]);
  });
});
