import type { Health, ResilienceState } from '@microshop/contracts';
import { testKeys } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer, loadResilienceSettings, registerHealth, resilienceOf, type App } from '../src/index.js';
import { sourceIdentity } from './support/identity.js';

// The app stands for the Order service: /internal/resilience takes the gateway's tokens for it only.
const keys = testKeys();

describe('GET/PUT /internal/resilience', () => {
  let app: App;

  beforeAll(async () => {
    app = await createServer({ name: 'test-service', logLevel: false, identity: sourceIdentity(keys, 'order-service'), resilience: { breaker_failures: 7 } });
    registerHealth(app, { service: 'test-service' });
    resilienceOf(app)?.guard('other-service');
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  test("When the switches are read without a service token, then 401; with one for another service or expired, 401; with another service's, 403", async () => {
    expect((await app.inject({ method: 'GET', url: '/internal/resilience' })).statusCode).toBe(401);
    const put = (headers: Record<string, string>) => app.inject({ method: 'PUT', url: '/internal/resilience', headers, payload: { retries: false } });
    expect((await put(keys.headers('gateway', 'product-service'))).statusCode).toBe(401);
    expect((await put({ 'x-service-token': keys.token('gateway', 'order-service', { ageS: 120 }) })).statusCode).toBe(401);
    expect((await put(keys.headers('payment-service', 'order-service'))).statusCode).toBe(403);
    expect(resilienceOf(app)?.switches().retries).toBe(true);
  });

  test('When a switch is turned off, then the answer, the next GET and /health all show it, the others unchanged', async () => {
    const headers = keys.headers('gateway', 'order-service');
    const put = await app.inject({ method: 'PUT', url: '/internal/resilience', headers, payload: { breakers: false } });
    expect(put.statusCode).toBe(200);
    expect(put.json<ResilienceState>().switches).toEqual({ timeouts: true, retries: true, breakers: false, bulkheads: true });
    const got = (await app.inject({ method: 'GET', url: '/internal/resilience', headers })).json<ResilienceState>();
    expect(got).toMatchObject({ service: 'test-service', switches: { breakers: false }, breakers: { 'other-service': 'closed' }, settings: { breaker_failures: 7 } });
    const health = (await app.inject({ method: 'GET', url: '/health' })).json<Health>();
    expect(health.resilience).toEqual({ timeouts: true, retries: true, breakers: false, bulkheads: true });
    expect(health.breakers).toEqual({ 'other-service': 'closed' });
  });

  test('When the body holds an unknown switch or a non-boolean, then 400 and nothing changes', async () => {
    const headers = keys.headers('gateway', 'order-service');
    expect((await app.inject({ method: 'PUT', url: '/internal/resilience', headers, payload: { retry: false } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'PUT', url: '/internal/resilience', headers, payload: { timeouts: 'no' } })).statusCode).toBe(400);
    expect(resilienceOf(app)?.switches().timeouts).toBe(true);
  });
});

describe('Resilience configuration', () => {
  test('When a variable is out of range, then loading fails naming it', () => {
    expect(() => loadResilienceSettings({ BREAKER_FAILURES: '0' })).toThrow(/BREAKER_FAILURES/);
    expect(() => loadResilienceSettings({ RETRY_BUDGET_RATIO: 'lots' })).toThrow(/RETRY_BUDGET_RATIO/);
    expect(() => loadResilienceSettings({ BREAKER_FAILURE_RATIO: '0' })).toThrow(/BREAKER_FAILURE_RATIO/);
    expect(() => loadResilienceSettings({ BREAKER_FAILURE_RATIO: '1.5' })).toThrow(/BREAKER_FAILURE_RATIO/);
    expect(() => loadResilienceSettings({ BREAKER_WINDOW_MS: '5' })).toThrow(/BREAKER_WINDOW_MS/);
  });

  test('When nothing is set, then the defaults apply', () => {
    expect(loadResilienceSettings({})).toMatchObject({ connect_timeout_ms: 1000, first_byte_timeout_ms: 1000, retry_max_attempts: 3, breaker_failures: 5, breaker_failure_ratio: 0.5, breaker_window_ms: 10_000, bulkhead_max_concurrent: 32 });
  });
});
