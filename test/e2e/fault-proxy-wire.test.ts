import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Product } from '@microshop/contracts';
import { startFaultProxy, type FaultProxy } from '@microshop/fault-proxy';
import { freePort, request, startServiceProcess, type ServiceProcess } from '@microshop/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

/**
 * The wire broken, not the process: the fault proxy between the gateway and the Product service
 * (real processes, free ports). A cut or truncated answer must never pass as a success.
 */
describe('Fault proxy between the gateway and the Product service', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'microshop-wire-'));
  let product: ServiceProcess;
  let gateway: ServiceProcess;
  let proxy: FaultProxy;
  let laptop: Product;

  beforeAll(async () => {
    product = await startServiceProcess('product-service', { PORT: String(await freePort()), DATABASE_FILE: path.join(dir, 'products.db') });
    proxy = await startFaultProxy({ upstream: new URL(product.url).host });
    gateway = await startServiceProcess('gateway', { PORT: String(await freePort()), PRODUCT_SERVICE_URL: `http://127.0.0.1:${proxy.port}`, OVERVIEW_SCRAPE_MS: '0' });
    laptop = (await request<Product>(product.url, 'POST', '/api/products', { name: 'Laptop', price: 999.99 })).body;
  }, 60_000);
  afterEach(() => proxy?.reset());
  afterAll(async () => {
    await gateway?.stop();
    await proxy?.close();
    await product?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When the wire is healthy, then the product comes through the proxy whole', async () => {
    expect(await request<Product>(gateway.url, 'GET', `/api/products/${laptop.id}`)).toMatchObject({ status: 200, body: { name: 'Laptop', price: 999.99 } });
  });

  test('When a 300 ms latency toxic is on the wire, then the answer is whole and 300 ms later', async () => {
    proxy.addToxic({ type: 'latency', latency_ms: 300 });
    const started = performance.now();
    const answer = await request<Product>(gateway.url, 'GET', `/api/products/${laptop.id}`);
    const ms = performance.now() - started;
    expect(answer).toMatchObject({ status: 200, body: { name: 'Laptop' } });
    expect(ms).toBeGreaterThanOrEqual(300);
  });

  // Each of these counts as a failure for the gateway's breaker to Product: they run last.
  test.each([
    ['limit_data cuts the answer after 60 bytes', [{ type: 'limit_data', bytes: 60 }]],
    ['reset_peer resets the connection', [{ type: 'reset_peer', timeout_ms: 0 }]],
    ['the slicer sends 16-byte pieces and limit_data cuts the body mid-way', [{ type: 'slicer', average_size: 16, delay_us: 1000 }, { type: 'limit_data', bytes: 200 }]],
  ])('When %s, then the gateway answers a 5xx problem naming product-service, never a 200', async (_name, toxics) => {
    for (const toxic of toxics) proxy.addToxic(toxic);
    const started = performance.now();
    const answer = await request<{ service?: string; status: number }>(gateway.url, 'GET', `/api/products/${laptop.id}`);
    console.log(`${JSON.stringify(toxics)}: ${answer.status} in ${(performance.now() - started).toFixed(0)} ms`);
    expect(answer.status).toBeGreaterThanOrEqual(500);
    expect(answer.body.service).toBe('product-service');
  });

});
