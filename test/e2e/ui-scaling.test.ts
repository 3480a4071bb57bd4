import { ADMIN_TOKEN_HEADER, type Overview, type Product, type User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot, WIDTHS, type TestBrowser } from './support/browser.js';
import { startLoad } from './support/load.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

/**
 * Instances and scaling on the architecture view, against the real processes under the supervisor
 * code on free ports, Order started as two replicas: each Order instance is listed with its share
 * of the traffic; with the admin token, + on the Product box starts a second Product instance,
 * which appears in the box once the registry lists it; − takes it away again.
 */
describe('The web UI: instances and scaling on the architecture view', () => {
  let system: SupervisedSystem;
  let browser: TestBrowser;
  let page: Page;
  let user: User;
  let product: Product;

  const box = (service: string) => page.locator(`.node[data-service="${service}"]`);
  const instanceIds = (service: string) => box(service).locator('li.instance').evaluateAll((items) => items.map((item) => item.getAttribute('data-instance')));
  const shares = (service: string) => box(service).locator('.instance-share').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-share'))));

  beforeAll(async () => {
    system = await startSupervisedSystem({ replicas: { 'order-service': 2 } });
    user = (await request<User>(system.url, 'POST', '/api/users', { name: 'Scale', email: 'scale@example.com' })).body;
    product = (await request<Product>(system.url, 'POST', '/api/products', { name: 'Desk', price: 120 })).body;
    browser = await launchBrowser();
    page = await browser.newPage(WIDTHS.desktop);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('When Order runs as two instances under load, then its box lists both, each with about half the traffic', async () => {
    await page.goto(`${system.url}/architecture`);
    await expect.poll(() => instanceIds('order-service'), { timeout: 10_000, interval: 200 }).toEqual(['order-service-1', 'order-service-2']);
    expect(await instanceIds('product-service')).toEqual(['product-service-1']);

    const load = startLoad({ baseUrl: system.url, next: () => ({ method: 'POST', path: '/api/orders', body: { user_id: user.id, product_id: product.id, quantity: 1 } }), concurrency: 2, maxRequests: 3000 });
    try {
      // Two scrapes with traffic in between give each instance a rate.
      await expect
        .poll(async () => (await shares('order-service')).every((share) => share > 0.35 && share < 0.65), { timeout: 15_000, interval: 250 })
        .toBe(true);
      const overview = await request<Overview>(system.url, 'GET', '/api/overview');
      const order = overview.body.services.find((s) => s.name === 'order-service');
      expect(order?.instances.map((i) => i.id)).toEqual(['order-service-1', 'order-service-2']);
      console.log(`shares of the two Order instances on the page: ${(await shares('order-service')).map((s) => `${Math.round(s * 100)} %`).join(' / ')}`);
      expect(await box('order-service').textContent()).toMatch(/\d+ %/);
      await screenshot(page, 'architecture-replicas-1280');
    } finally {
      expect((await load.stop()).failures).toEqual([]);
    }
  });

  test('When + is pressed on the Product box with the admin token, then a second Product instance starts and appears; − takes it away', async () => {
    await page.getByRole('textbox', { name: 'Admin token' }).fill(system.adminToken, { timeout: 5000 });
    await page.getByRole('button', { name: 'Use token' }).click({ timeout: 5000 });
    const more = page.getByRole('button', { name: 'One instance more of Product' });
    const fewer = page.getByRole('button', { name: 'One instance fewer of Product' });
    await expect.poll(() => more.isEnabled({ timeout: 1000 }).catch(() => false), { timeout: 5000 }).toBe(true);
    expect(await fewer.isDisabled({ timeout: 1000 })).toBe(true);

    const clickedAt = Date.now();
    await more.click({ timeout: 5000 });
    await expect.poll(() => instanceIds('product-service'), { timeout: 15_000, interval: 200 }).toEqual(['product-service-1', 'product-service-2']);
    console.log(`+ on Product: the second instance was on the page ${Date.now() - clickedAt} ms after the click`);
    expect(system.instances().filter((i) => i.service === 'product-service' && i.state === 'running')).toHaveLength(2);
    await expect.poll(() => fewer.isEnabled({ timeout: 1000 }).catch(() => false), { timeout: 5000 }).toBe(true);
    await page.setViewportSize(WIDTHS.phone);
    await screenshot(page, 'architecture-replicas-390');
    await page.setViewportSize(WIDTHS.desktop);

    await fewer.click({ timeout: 5000 });
    await expect.poll(() => system.instances().some((i) => i.instance_id === 'product-service-2'), { timeout: 15_000, interval: 200 }).toBe(false);
    await expect.poll(() => instanceIds('product-service'), { timeout: 10_000, interval: 250 }).toEqual(['product-service-1']);
    // The admin API agrees with the page.
    const admin = await request<{ services: { service: string; instances: unknown[] }[] }>(system.url, 'GET', '/api/admin/services', undefined, { [ADMIN_TOKEN_HEADER]: system.adminToken });
    expect(admin.body.services.find((s) => s.service === 'product-service')?.instances).toHaveLength(1);
  });
});
