import type { Order, Problem, Trace } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot, WIDTHS, type TestBrowser } from './support/browser.js';
import { startSystem, waitFor, type System } from './support/system.js';

/**
 * The shop through the web UI, in Debian's chromium, against the real processes on the spec's
 * ports: the spec's worked example clicked through, validation errors shown where they belong, and
 * the trace behind an order.
 */
describe('The web UI: the shop', () => {
  let system: System;
  let browser: TestBrowser;
  let page: Page;
  let gateway: string;
  let orderTraceId: string | null = null;

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

  const orderCount = async () => Number((await request<Order[]>(gateway, 'GET', '/api/orders?embed=false')).headers.get('x-total-count'));

  test('The spec\'s example: create a user and a product, order 3 × 999.99, see 2999.97 before and after, pay, and see PAID', async () => {
    await page.goto(`${gateway}/`);
    await page.waitForURL(`${gateway}/shop`);
    await expect.poll(() => page.title()).toBe('Shop · Microshop');

    await page.getByLabel('Name').first().fill('Ann');
    await page.getByLabel('Email').fill('ann@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Created user #1, Ann').waitFor();

    await page.locator('#product-name').fill('Laptop');
    await page.locator('#product-price').fill('999.99');
    await page.getByRole('button', { name: 'Add product' }).click();
    await page.getByText('Added product #1, Laptop at 999.99').waitFor();

    await page.getByLabel('User', { exact: true }).selectOption({ label: '#1 Ann' });
    await page.getByLabel('Product', { exact: true }).selectOption({ label: '#1 Laptop · 999.99' });
    await page.getByLabel('Quantity').fill('3');
    // Before: price × quantity, in cents.
    expect(await page.locator('#order-total-preview').textContent()).toBe('2999.97');

    await page.getByRole('button', { name: 'Place order' }).click();
    // After: the Order service's answer.
    await page.locator('#placed-total').waitFor();
    expect(await page.locator('#placed-total').textContent()).toBe('2999.97');
    const row = page.locator('#orders tr[data-order-id="1"]');
    await expect.poll(() => row.locator('.pill').textContent()).toBe('PENDING');
    expect(await row.textContent()).toContain('2999.97');
    orderTraceId = await page.locator('#place-order .trace-link').getAttribute('data-trace-id');
    expect(orderTraceId).toMatch(/^[0-9a-f]{32}$/);

    await page.getByRole('button', { name: 'Pay order 1' }).click();
    await page.getByText('Paid order #1: 2999.97, payment COMPLETED').waitFor();
    await expect.poll(() => row.locator('.pill').textContent()).toBe('PAID');
    await expect.poll(() => page.getByRole('button', { name: 'Pay order 1' }).count()).toBe(0);

    const stored = await request<Order>(gateway, 'GET', '/api/orders/1');
    expect(stored.body).toMatchObject({ id: 1, user_id: 1, product_id: 1, quantity: 3, total: 2999.97, status: 'PAID' });
  });

  test.each(['0', '-1', '2.5', 'three', '10001'])(
    'A quantity of %s shows the API\'s own message next to the field, and no order is stored',
    async (quantity) => {
      const before = await orderCount();
      // What the API itself says about this quantity.
      const value = Number.isFinite(Number(quantity)) ? Number(quantity) : quantity;
      const direct = await request<Problem>(gateway, 'POST', '/api/orders', { user_id: 1, product_id: 1, quantity: value });
      expect(direct.status).toBe(400);
      const reason = direct.body.invalid_params?.find((p) => p.name === 'quantity')?.reason;
      expect(reason).toEqual(expect.any(String));

      await page.getByLabel('Quantity').fill(quantity);
      await page.getByRole('button', { name: 'Place order' }).click();
      const error = page.locator('#order-quantity-error');
      await expect.poll(() => error.textContent()).toBe(reason);
      expect(await page.getByLabel('Quantity').getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('Quantity').getAttribute('aria-describedby')).toBe('order-quantity-error');
      expect(await orderCount()).toBe(before);
    },
  );

  test('Screenshots of the shop at 1280 and 390 px: the paid order, the activity with its traces, the API\'s message on the quantity', async () => {
    await page.locator('#order-quantity-error').waitFor();
    await screenshot(page, 'shop-1280');
    await page.setViewportSize(WIDTHS.phone);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(WIDTHS.phone.width);
    await screenshot(page, 'shop-390');
    await page.setViewportSize(WIDTHS.desktop);
  });

  test('The order\'s trace opens from its link and shows spans from the gateway, the Order service and the Product service', async () => {
    expect(orderTraceId).not.toBeNull();
    await page.goto(`${gateway}/shop`);
    // The activity list of this page is empty after a reload: open the trace from a new order's link.
    await page.getByLabel('User', { exact: true }).selectOption({ label: '#1 Ann' });
    await page.getByLabel('Product', { exact: true }).selectOption({ label: '#1 Laptop · 999.99' });
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('#placed-total').waitFor();
    const link = page.locator('#activity .trace-link').first();
    const traceId = await link.getAttribute('data-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await link.click();
    await page.waitForURL(`${gateway}/traces/${traceId}`);

    for (const service of ['gateway', 'order-service', 'product-service']) {
      await page.locator(`.wf-row[data-service="${service}"]`).first().waitFor({ timeout: 20_000 });
    }
    // The same trace the API holds under the id the response carried.
    const trace = await waitFor(async () => {
      const answer = await request<Trace>(gateway, 'GET', `/api/traces/${traceId}`);
      return answer.status === 200 && answer.body.services.includes('product-service') ? answer.body : undefined;
    }, 20_000);
    expect(trace.root_name).toBe('POST /api/orders');
    expect(await page.locator('h1').textContent()).toBe('POST /api/orders');

    // A span opens to show its attributes.
    await page.locator('.wf-row[data-service="product-service"] .wf-span').first().click();
    await page.locator('.span-details').first().waitFor();
    await page.waitForTimeout(2500);
    await screenshot(page, 'trace-1280');
    await page.setViewportSize(WIDTHS.phone);
    await screenshot(page, 'trace-390');
    await page.setViewportSize(WIDTHS.desktop);

    // The first order's trace opens from its id as well.
    await page.goto(`${gateway}/traces/${orderTraceId}`);
    await page.locator('.wf-row[data-service="product-service"]').first().waitFor({ timeout: 20_000 });
  });

  test('A PENDING order can be cancelled from its row: it turns CANCELLED and can no longer be paid or cancelled', async () => {
    const placed = await request<Order>(gateway, 'POST', '/api/orders', { user_id: 1, product_id: 1, quantity: 1 });
    expect(placed.status).toBe(201);
    await page.goto(`${gateway}/shop`);
    const row = page.locator(`#orders tr[data-order-id="${placed.body.id}"]`);
    await expect.poll(() => row.locator('.pill').textContent()).toBe('PENDING');
    await page.getByRole('button', { name: `Cancel order ${placed.body.id}` }).click();
    await page.getByText(`Cancelled order #${placed.body.id}`).waitFor();
    await expect.poll(() => row.locator('.pill').textContent()).toBe('CANCELLED');
    expect(await row.getByRole('button').count()).toBe(0);
    expect((await request<Order>(gateway, 'GET', `/api/orders/${placed.body.id}`)).body.status).toBe('CANCELLED');
  });

  test('No page showed a console error, beyond the browser logging the 400s the API was asked for on purpose', () => {
    expect(browser.problems(/^400$/)).toEqual([]);
  });
});
