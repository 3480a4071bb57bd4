import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderBehaviour } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshot, WIDTHS, type TestBrowser } from './support/browser.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

/** Spans are exported in batches (every 200 ms here), and a saga may go on in the background. */
const SETTLES_WITHIN_MS = 20_000;

/**
 * Forwards the spans every process exports (`POST /v1/traces`) to the gateway once it is known: the
 * processes are told where to send them before the supervisor has picked the gateway's free port.
 */
async function startTraceRelay(): Promise<{ url: string; forwardTo(gateway: string): void; close(): Promise<void> }> {
  let target: string | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (!target || req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(503).end();
        return;
      }
      fetch(`${target}/v1/traces`, { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, body: Buffer.concat(chunks) })
        .then(async (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()))
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwardTo: (gateway) => void (target = gateway),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * The payment saga in the web UI, against the real processes (the payment provider among them)
 * under the supervisor code on free ports, each with the telemetry preload so that every saga step
 * carries its trace: a stocked product is ordered and paid in the shop, and its timeline shows the
 * saga's steps, the reservation committed and the traces; with the provider told (on the
 * architecture view) to decline every card, a second order's payment is declined, and its timeline
 * shows the declined charge with the order still PENDING and payable.
 */
describe('The web UI: the payment saga and its timeline', () => {
  let relay: Awaited<ReturnType<typeof startTraceRelay>>;
  let system: SupervisedSystem;
  let browser: TestBrowser;
  let page: Page;

  const orderRow = (id: number) => page.locator(`#orders tr[data-order-id="${id}"]`);
  const steps = (paymentStatus: string) =>
    page
      .locator(`[data-payment-status="${paymentStatus}"] li[data-step]`)
      .evaluateAll((items) => items.map((item) => `${item.getAttribute('data-step')}:${item.getAttribute('data-outcome')}`));
  const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

  /** Places an order in the shop's form and answers its id. */
  async function placeOrder(quantity: number): Promise<number> {
    await page.getByLabel('User', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Product', { exact: true }).selectOption({ index: 1 });
    await page.getByLabel('Quantity').fill(String(quantity));
    await page.getByRole('button', { name: 'Place order' }).click();
    const placed = page.getByTestId('placed-order');
    await expect.poll(() => placed.textContent(), { timeout: 5000 }).toMatch(/Order #\d+/);
    return Number(/Order #(\d+)/.exec((await placed.textContent()) ?? '')?.[1]);
  }

  beforeAll(async () => {
    relay = await startTraceRelay();
    system = await startSupervisedSystem({
      env: {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import @microshop/chassis/telemetry/register`.trim(),
        GATEWAY_URL: relay.url,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_SDK_DISABLED: '',
      },
    });
    relay.forwardTo(system.url);
    browser = await launchBrowser();
    page = await browser.newPage(WIDTHS.desktop);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await relay?.close();
  });

  let firstOrder = 0;

  test('When a stocked product is ordered and paid in the shop, then the payment completes, and its timeline shows record, charge and confirm done, the reservation COMMITTED and the traces', async () => {
    await page.goto(`${system.url}/shop`);
    await page.locator('#user-name').fill('Sagal');
    await page.locator('#user-email').fill('sagal@example.com');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('Created user #1, Sagal').waitFor();

    await page.locator('#product-name').fill('Lamp');
    await page.locator('#product-price').fill('40');
    await page.locator('#product-stock').fill('5');
    await page.getByRole('button', { name: 'Add product' }).click();
    await page.getByText('Added product #1, Lamp at 40.00, stock 5').waitFor();
    expect(await page.locator('#products tr[data-product-id="1"]').getAttribute('data-stock')).toBe('5');

    firstOrder = await placeOrder(2);
    expect(await page.locator('#placed-total').textContent()).toBe('80.00');
    await expect.poll(() => orderRow(firstOrder).getAttribute('data-order-status')).toBe('PENDING');

    // Pay: 201 at once, or 202 while the saga goes on (the page then follows it until it is final).
    await page.getByRole('button', { name: `Pay order ${firstOrder}` }).click();
    const note = page.locator('#orders .result-note[data-outcome]');
    await expect.poll(() => note.getAttribute('data-outcome'), { timeout: SETTLES_WITHIN_MS, interval: 250 }).toBe('completed');
    expect(await note.textContent()).toContain(`Paid order #${firstOrder}: 80.00, payment COMPLETED`);
    await expect.poll(() => orderRow(firstOrder).getAttribute('data-order-status')).toBe('PAID');
    // Two of the five units are sold (reserved when the order was placed).
    await expect.poll(() => page.locator('#products tr[data-product-id="1"]').getAttribute('data-stock')).toBe('3');

    await page.getByRole('link', { name: `Timeline of order ${firstOrder}` }).click();
    await page.waitForURL(`${system.url}/orders/${firstOrder}`);
    await expect.poll(() => page.title()).toBe(`Order #${firstOrder} · Microshop`);
    await expect.poll(() => steps('COMPLETED'), { timeout: SETTLES_WITHIN_MS }).toEqual(expect.arrayContaining(['record:done', 'charge:done', 'confirm:done']));
    expect(await page.locator('li[data-step][data-compensation="yes"]').count()).toBe(0);
    expect(await page.locator('[data-order-status]').first().getAttribute('data-order-status')).toBe('PAID');
    await expect.poll(() => page.locator('[data-reservation-state]').getAttribute('data-reservation-state'), { timeout: SETTLES_WITHIN_MS, interval: 250 }).toBe('COMMITTED');
    // Once everything has settled, the page stops asking.
    await expect.poll(() => page.locator('[data-polling]').getAttribute('data-polling'), { timeout: 5000 }).toBe('no');

    const charge = page.locator('[data-payment-status="COMPLETED"] li[data-step="charge"][data-outcome="done"] a.trace-link').first();
    const traceId = await charge.getAttribute('data-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(await charge.getAttribute('href')).toBe(`/traces/${traceId}`);
    await charge.click();
    await page.waitForURL(`${system.url}/traces/${traceId}`);
    await page.locator('.wf-row[data-service="payment-service"]').first().waitFor({ timeout: SETTLES_WITHIN_MS });
    await page.goBack();
    await page.waitForURL(`${system.url}/orders/${firstOrder}`);
    await page.locator('[data-payment-status="COMPLETED"]').waitFor();
  });

  let declinedOrder = 0;

  test('When the provider is set to decline every card on the architecture view, then the next payment is declined, and its timeline shows the declined charge with the order still PENDING and payable', async () => {
    await page.getByRole('link', { name: 'Architecture', exact: true }).click();
    await page.getByRole('textbox', { name: 'Admin token' }).fill(system.adminToken);
    await page.getByRole('button', { name: 'Use token' }).click();

    // The provider is a box of the diagram, called by Payment.
    await expect.poll(() => page.locator('.node[data-service="payment-provider"]').getAttribute('data-health'), { timeout: 10_000 }).toBe('ok');
    expect(await page.locator('#edges tr[data-edge="payment-service>payment-provider"]').count()).toBe(1);

    const decline = page.getByRole('textbox', { name: 'Decline rate (%)' });
    await expect.poll(() => decline.inputValue(), { timeout: 5000 }).toBe('0');
    await decline.fill('100');
    await page.getByRole('button', { name: 'Save provider settings' }).click();
    await expect.poll(() => page.locator('#provider [data-decline-rate]').getAttribute('data-decline-rate'), { timeout: 5000 }).toBe('1');
    const stored = await request<ProviderBehaviour>(system.url, 'GET', '/api/admin/provider', undefined, { 'x-admin-token': system.adminToken });
    expect(stored.body.decline_rate).toBe(1);

    await page.getByRole('link', { name: 'Shop', exact: true }).click();
    declinedOrder = await placeOrder(1);
    await page.getByRole('button', { name: `Pay order ${declinedOrder}` }).click();
    // 402 at once, or the saga's FAILED after a 202: declined either way.
    const note = page.locator('#orders .result-note[data-outcome]');
    await expect.poll(() => note.getAttribute('data-outcome'), { timeout: SETTLES_WITHIN_MS, interval: 250 }).toMatch(/^(declined|failed)$/);
    expect(await note.textContent()).toMatch(/declined/i);
    // The order stays payable.
    await expect.poll(() => orderRow(declinedOrder).getAttribute('data-order-status')).toBe('PENDING');
    expect(await page.getByRole('button', { name: `Pay order ${declinedOrder}` }).isEnabled()).toBe(true);

    await page.getByRole('link', { name: `Timeline of order ${declinedOrder}` }).click();
    await page.waitForURL(`${system.url}/orders/${declinedOrder}`);
    const failed = page.locator('[data-payment-status="FAILED"]');
    await failed.waitFor({ timeout: SETTLES_WITHIN_MS });
    const charges = failed.locator('li[data-step="charge"]');
    expect(await charges.count()).toBeGreaterThan(0);
    expect((await charges.last().getAttribute('data-outcome')) === 'failed' || /declined/i.test((await charges.last().textContent()) ?? '')).toBe(true);
    expect(await steps('FAILED')).not.toContain('confirm:done');
    expect(await failed.locator('[data-ending="FAILED"]').textContent()).toContain('No money was taken');
    expect(await page.locator('[data-order-status]').first().getAttribute('data-order-status')).toBe('PENDING');
    // Its unit stays held for it while it can still be paid.
    await expect.poll(() => page.locator('[data-reservation-state]').getAttribute('data-reservation-state'), { timeout: SETTLES_WITHIN_MS }).toBe('RESERVED');
  });

  test('When the provider accepts cards again, the declined order is paid on a second attempt, and its timeline shows both attempts, at 1280 and at 390 px', async () => {
    const reset = await request(system.url, 'PUT', '/api/admin/provider', { decline_rate: 0, failure_rate: 0, latency_ms: 0 }, { 'x-admin-token': system.adminToken });
    expect(reset.status).toBe(200);

    await page.getByRole('link', { name: 'Shop', exact: true }).click();
    await page.getByRole('button', { name: `Pay order ${declinedOrder}` }).click();
    const note = page.locator('#orders .result-note[data-outcome]');
    await expect.poll(() => note.getAttribute('data-outcome'), { timeout: SETTLES_WITHIN_MS, interval: 250 }).toBe('completed');

    await page.getByRole('link', { name: `Timeline of order ${declinedOrder}` }).click();
    await page.waitForURL(`${system.url}/orders/${declinedOrder}`);
    await expect
      .poll(() => page.locator('[data-payment-status]').evaluateAll((items) => items.map((item) => item.getAttribute('data-payment-status'))), { timeout: SETTLES_WITHIN_MS })
      .toEqual(['FAILED', 'COMPLETED']);
    await expect.poll(() => page.locator('[data-reservation-state]').getAttribute('data-reservation-state'), { timeout: SETTLES_WITHIN_MS, interval: 250 }).toBe('COMMITTED');
    await expect.poll(() => page.locator('[data-polling]').getAttribute('data-polling'), { timeout: 5000 }).toBe('no');
    await screenshot(page, 'saga-timeline-1280');

    await page.setViewportSize(WIDTHS.phone);
    await page.locator('[data-payment-status="COMPLETED"] li[data-step="confirm"]').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(await page.locator('[data-payment-status="FAILED"] li[data-step="charge"]').last().isVisible()).toBe(true);
    await screenshot(page, 'saga-timeline-390');
    await page.setViewportSize(WIDTHS.desktop);
  });

  test('The events page shows what each inbox applied: Product the orders’ events, Order the stock reservations', async () => {
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    const applied = (service: string) =>
      page.locator(`[data-service="${service}"] tr[data-inbox-type]`).evaluateAll((items) => [...new Set(items.map((item) => item.getAttribute('data-inbox-type')))].sort());
    await expect.poll(() => applied('product-service'), { timeout: 10_000 }).toEqual(expect.arrayContaining(['OrderCreated', 'OrderPaid']));
    await expect.poll(() => applied('order-service'), { timeout: 10_000 }).toEqual(expect.arrayContaining(['StockReserved']));
    expect(Number(await page.locator('[data-service="product-service"] .inbox').getAttribute('data-applied'))).toBeGreaterThanOrEqual(4);
  });

  test('No console problems but the declined payment’s 402', () => {
    expect(browser.problems(/^402$/)).toEqual([]);
  });
});
