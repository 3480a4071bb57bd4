import { BACKENDS, type BackendName } from '@microshop/contracts';
import { request } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { GatewayHealth } from '../src/schemas.js';
import { HEALTH_TIMEOUT_MS, startGateway, type GatewayHarness } from './gateway-harness.js';

const PIDS: Record<BackendName, number> = { 'user-service': 5101, 'product-service': 5102, 'order-service': 5103, 'payment-service': 5104 };

describe('Gateway: health', () => {
  let gw: GatewayHarness;

  beforeEach(async () => {
    gw = await startGateway();
    for (const service of BACKENDS) {
      gw.fakes[service].on('GET', '/health', () => ({
        body: { status: 'ok', service, version: '0.1.0', pid: PIDS[service], uptime_s: 1, checks: { database: 'ok' } },
      }));
    }
  });
  afterEach(async () => {
    await gw.close();
  });

  test('When every service is healthy, then 200 ok with each one up, its address, pid, uptime and latency', async () => {
    const { status, body } = await request<GatewayHealth>(gw.url, 'GET', '/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', service: 'gateway', pid: process.pid });
    expect(Object.keys(body.services).sort()).toEqual([...BACKENDS].sort());
    for (const service of BACKENDS) {
      expect(body.services[service]).toMatchObject({ status: 'ok', url: gw.fakes[service].url, pid: PIDS[service], uptime_s: 1 });
      expect(body.services[service]?.latency_ms).toBeGreaterThanOrEqual(0);
    }
    for (const service of BACKENDS) expect(gw.fakes[service].calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /health']);
  });

  test('When one service is down, one reports itself down and one hangs, then 200 degraded naming each, within one probe budget', async () => {
    await gw.fakes['payment-service'].close();
    gw.fakes['order-service'].on('GET', '/health', () => ({ status: 503, body: { status: 'down', service: 'order-service', version: '0.1.0', pid: 1, uptime_s: 1, checks: { database: 'down' } } }));
    gw.fakes['product-service'].on('GET', '/health', () => ({ hang: true }));
    const start = performance.now();
    const { status, body } = await request<GatewayHealth>(gw.url, 'GET', '/health');

    expect(performance.now() - start).toBeLessThan(HEALTH_TIMEOUT_MS + 300);
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(body.services['user-service']?.status).toBe('ok');
    expect(body.services['payment-service']).toMatchObject({ status: 'down', url: gw.fakes['payment-service'].url });
    expect(body.services['payment-service']?.detail).toContain('unreachable');
    expect(body.services['order-service']).toMatchObject({ status: 'down' });
    expect(body.services['product-service']).toMatchObject({ status: 'down' });
    expect(body.services['product-service']?.detail).toContain(`within ${HEALTH_TIMEOUT_MS} ms`);
  });

  test('When three services hang, then the answer still comes within one probe budget, not three', async () => {
    for (const service of ['user-service', 'product-service', 'order-service'] as const) gw.fakes[service].on('GET', '/health', () => ({ hang: true }));
    const start = performance.now();
    const { body } = await request<GatewayHealth>(gw.url, 'GET', '/health');
    expect(performance.now() - start).toBeLessThan(2 * HEALTH_TIMEOUT_MS);
    expect(Object.values(body.services).map((s) => s.status)).toEqual(['down', 'down', 'down', 'ok']);
  });

  test('When a service answers 200 but not ok, then it counts as down', async () => {
    gw.fakes['user-service'].on('GET', '/health', () => ({ body: { hello: 'world' } }));
    const { body } = await request<GatewayHealth>(gw.url, 'GET', '/health');
    expect(body.status).toBe('degraded');
    expect(body.services['user-service']?.status).toBe('down');
  });
});
