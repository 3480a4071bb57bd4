import { ADMIN_TOKEN_HEADER, type ChaosState, type Overview, type Product, type ResilienceState, type User } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot, WIDTHS, type TestBrowser } from './support/browser.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

/** The documented defaults (docs/resilience.md): the system under test runs with them. */
const BREAKER_FAILURES = 5;
const BREAKER_HALF_OPEN_AFTER_MS = 5000;
const FIRST_BYTE_TIMEOUT_MS = 1000;
const BULKHEAD_MAX_CONCURRENT = 32;
const BULKHEAD_MIN_CONCURRENT = 4;
const BULKHEAD_SLOW_RATIO = 0.25;
const EDGE = 'order-service>product-service';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The architecture view colours an edge by the caller's circuit breaker, against the real
 * processes under the supervisor code on free loopback ports: Product made to fail every request (chaos `error_rate: 1`), orders
 * placed until Order's breaker to Product opens; the overview and the diagram show it open; the
 * fault cleared, orders placed again let the probe through and the edge turns closed again. Then
 * Product made slow (not failing): Order's adaptive bulkhead to Product is cut, and the edge table
 * shows the limit.
 */
describe('The web UI: the breaker state and the bulkhead limit on the architecture view', () => {
  let system: SupervisedSystem;
  let gateway: string;
  let browser: TestBrowser;
  let page: Page;
  let user: User;
  let product: Product;

  const overviewBreaker = async () => {
    const overview = await request<Overview>(gateway, 'GET', '/api/overview');
    return overview.body.edges.find((e) => e.from === 'order-service' && e.to === 'product-service')?.breaker;
  };
  const edgeBreaker = () => page.locator(`g.edge[data-edge="${EDGE}"]`).getAttribute('data-breaker');
  const rowBreaker = () => page.locator(`#edges tr[data-edge="${EDGE}"] [data-breaker]`).getAttribute('data-breaker');
  const admin = () => ({ [ADMIN_TOKEN_HEADER]: system.adminToken });
  const placeOrder = () => request(gateway, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 1 });

  beforeAll(async () => {
    system = await startSupervisedSystem();
    gateway = system.url;
    user = (await request<User>(gateway, 'POST', '/api/users', { name: 'Breaker', email: 'breaker@example.com' })).body;
    product = (await request<Product>(gateway, 'POST', '/api/products', { name: 'Lamp', price: 49.5 })).body;
    browser = await launchBrowser();
    page = await browser.newPage(WIDTHS.desktop);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('Before any fault, the edge Order → Product shows its breaker closed', async () => {
    // One order makes Order call Product, so the edge and its breaker are reported.
    expect((await placeOrder()).status).toBe(201);
    await page.goto(`${gateway}/architecture`);
    await expect.poll(edgeBreaker, { timeout: 10_000, interval: 200 }).toBe('closed');
    expect(await rowBreaker()).toBe('closed');
  });

  test('When Product fails every request and orders keep coming, then the overview and the diagram show the breaker open', async () => {
    const chaos = await request<ChaosState>(gateway, 'PUT', '/api/admin/services/product-service/chaos', { error_rate: 1, expires_in_s: 120 }, admin());
    expect(chaos.status).toBe(200);
    expect(chaos.body).toMatchObject({ active: true, error_rate: 1 });

    const statuses: number[] = [];
    for (let i = 0; i < 2 * BREAKER_FAILURES; i++) statuses.push((await placeOrder()).status);
    expect(statuses.every((s) => s >= 500)).toBe(true);
    // The last ones were refused by the open breaker at once.
    const refused = await request<{ type?: string; service?: string }>(gateway, 'POST', '/api/orders', { user_id: user.id, product_id: product.id, quantity: 1 });
    expect(refused.status).toBe(503);
    expect(refused.body.type).toContain('circuit-open');

    await expect.poll(overviewBreaker, { timeout: 8000, interval: 250 }).toBe('open');
    const openedAt = Date.now();
    await expect.poll(edgeBreaker, { timeout: 5000, interval: 100 }).toBe('open');
    expect(Date.now() - openedAt).toBeLessThan(5000);
    expect(await rowBreaker()).toBe('open');
    expect(await page.locator(`g.edge[data-edge="${EDGE}"]`).getAttribute('class')).toContain('breaker-open');
    await screenshot(page, 'architecture-breaker-open-1280');

    await page.setViewportSize(WIDTHS.phone);
    await expect.poll(rowBreaker, { timeout: 3000, interval: 100 }).toBe('open');
    await screenshot(page, 'architecture-breaker-open-390');
    await page.setViewportSize(WIDTHS.desktop);
  });

  test('When the fault is cleared and orders are placed again, then the edge returns to closed within the half-open wait and a few seconds', async () => {
    const cleared = await request<ChaosState>(gateway, 'DELETE', '/api/admin/services/product-service/chaos', undefined, admin());
    expect(cleared.status).toBe(200);
    expect(cleared.body.active).toBe(false);

    const started = Date.now();
    const limitMs = BREAKER_HALF_OPEN_AFTER_MS + 8000;
    // Bounded: one order every 250 ms until an order goes through (the probe closed the breaker).
    let placed = false;
    while (!placed && Date.now() - started < limitMs) {
      placed = (await placeOrder()).status === 201;
      if (!placed) await sleep(250);
    }
    expect(placed).toBe(true);
    await expect.poll(overviewBreaker, { timeout: Math.max(1000, limitMs - (Date.now() - started)), interval: 250 }).toBe('closed');
    await expect.poll(edgeBreaker, { timeout: Math.max(1000, limitMs - (Date.now() - started)), interval: 100 }).toBe('closed');
    expect(await rowBreaker()).toBe('closed');
    expect(Date.now() - started).toBeLessThan(limitMs);
  });

  test('When Product answers later than a quarter of the first-byte timeout, then Order cuts its limit to Product, every order still placed, and the admin API, the overview and the table show the cut', async () => {
    const rowLimit = async () => Number(await page.locator(`#edges tr[data-edge="${EDGE}"] [data-limit]`).getAttribute('data-limit'));
    const overviewLimit = async () => {
      const overview = await request<Overview>(gateway, 'GET', '/api/overview');
      return overview.body.edges.find((e) => e.from === 'order-service' && e.to === 'product-service')?.concurrency_limit;
    };
    const orderLimit = async () => {
      const state = await request<ResilienceState>(gateway, 'GET', '/api/admin/services/order-service/resilience', undefined, admin());
      return state.body.bulkheads['product-service']?.limit;
    };
    // Answering in time, the limit stays where it is (the maximum, unless a cold start's first calls were late).
    const before = (await orderLimit()) ?? 0;
    expect(before).toBeGreaterThan(BULKHEAD_MIN_CONCURRENT);
    expect(before).toBeLessThanOrEqual(BULKHEAD_MAX_CONCURRENT);
    await expect.poll(rowLimit, { timeout: 10_000, interval: 200 }).toBe(before);

    const slowMs = FIRST_BYTE_TIMEOUT_MS * BULKHEAD_SLOW_RATIO + 150;
    const chaos = await request<ChaosState>(gateway, 'PUT', '/api/admin/services/product-service/chaos', { latency_ms: slowMs, expires_in_s: 60 }, admin());
    expect(chaos.status).toBe(200);
    const statuses = await Promise.all(Array.from({ length: 4 }, () => placeOrder().then((answer) => answer.status)));
    expect(statuses).toEqual([201, 201, 201, 201]);
    expect((await request<ChaosState>(gateway, 'DELETE', '/api/admin/services/product-service/chaos', undefined, admin())).status).toBe(200);

    // Four late answers to calls sent under one limit: one cut, by a quarter.
    const cut = (await orderLimit()) ?? 0;
    expect(cut).toBeLessThan(before);
    expect(cut).toBeGreaterThanOrEqual(Math.max(BULKHEAD_MIN_CONCURRENT, Math.floor(before * 0.75)));
    await expect.poll(overviewLimit, { timeout: 8000, interval: 250 }).toBe(cut);
    await expect.poll(rowLimit, { timeout: 5000, interval: 100 }).toBe(cut);
    // With the admin token, Order's resilience panel says the same of its bulkhead to Product.
    await page.getByRole('textbox', { name: 'Admin token' }).fill(system.adminToken);
    await page.getByRole('button', { name: 'Use token' }).click();
    const pill = page.locator('.chaos-service[data-service="order-service"] [data-bulkhead="product-service"]');
    await expect.poll(() => pill.getAttribute('data-limit'), { timeout: 8000, interval: 200 }).toBe(String(cut));
    expect(await pill.textContent()).toMatch(new RegExp(`^product ${cut} of ${BULKHEAD_MAX_CONCURRENT}, \\d+ in flight`));
    await screenshot(page, 'architecture-bulkhead-cut-1280');
  });

  test('No console errors but the failed API answers', () => {
    expect(browser.problems(/^(4|5)\d\d$/)).toEqual([]);
  });
});
