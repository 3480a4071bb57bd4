import { SERVICE_TOKEN_HEADER, type ChaosState, type Health } from '@microshop/contracts';
import { testKeys } from '@microshop/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, registerHealth, type App } from '../src/index.js';
import { sourceIdentity } from './support/identity.js';

// The app stands for the Product service: /internal/chaos takes the gateway's tokens for it only.
const keys = testKeys();
const auth = () => keys.headers('gateway', 'product-service');
const impostor = testKeys();

async function buildChaosApp(): Promise<App> {
  const app = await createServer({ name: 'chaos-test', logLevel: false, docs: false, identity: sourceIdentity(keys, 'product-service') });
  registerHealth(app, { service: 'chaos-test' });
  app.get('/api/things', async () => ({ ok: true }));
  return app;
}

describe('chaos plugin', () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each([
    ['no token', 401, () => ({})],
    ['a token signed with a key the service does not know', 401, () => impostor.headers('gateway', 'product-service')],
    ['an expired token', 401, () => ({ [SERVICE_TOKEN_HEADER]: keys.token('gateway', 'product-service', { ageS: 120 }) })],
    ['a token for another service', 401, () => keys.headers('gateway', 'order-service')],
    ['a valid token of a service that is not the gateway', 403, () => keys.headers('order-service', 'product-service')],
  ])('When setting faults with %s, then %i and nothing is injected', async (_name, status, headers) => {
    app = await buildChaosApp();
    const put = await app.inject({ method: 'PUT', url: '/internal/chaos', headers: headers(), payload: { latency_ms: 500 } });
    expect(put.statusCode).toBe(status);
    const state = await app.inject({ method: 'GET', url: '/internal/chaos', headers: auth() });
    expect(state.json<ChaosState>().active).toBe(false);
  });

  it('When error_rate is out of range, then 400 naming the field', async () => {
    app = await buildChaosApp();
    const put = await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth(), payload: { error_rate: 2 } });
    expect(put.statusCode).toBe(400);
    expect(put.body).toContain('error_rate');
  });

  it('When latency is injected, then API routes slow down, /health stays fast and shows it', async () => {
    app = await buildChaosApp();
    const put = await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth(), payload: { latency_ms: 150, expires_in_s: 30 } });
    expect(put.json<ChaosState>()).toMatchObject({ active: true, latency_ms: 150 });
    let started = performance.now();
    expect((await app.inject({ url: '/api/things' })).statusCode).toBe(200);
    const slow = performance.now() - started;
    started = performance.now();
    const health = await app.inject({ url: '/health' });
    const fast = performance.now() - started;
    console.log(`chaos latency: api ${slow.toFixed(0)} ms, health ${fast.toFixed(0)} ms`);
    expect(slow).toBeGreaterThanOrEqual(145);
    expect(fast).toBeLessThan(100);
    expect(health.json<Health>().chaos).toMatchObject({ active: true, latency_ms: 150 });
  });

  it('When error_rate is 1, then every API request answers 500 or 503 problem, and DELETE lifts it', async () => {
    app = await buildChaosApp();
    await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth(), payload: { error_rate: 1 } });
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await app!.inject({ url: '/api/things' })).statusCode));
    expect(statuses.every((s) => s === 500 || s === 503)).toBe(true);
    const failed = await app.inject({ url: '/api/things' });
    expect(failed.headers['content-type']).toContain('application/problem+json');
    await app.inject({ method: 'DELETE', url: '/internal/chaos', headers: auth() });
    expect((await app.inject({ url: '/api/things' })).statusCode).toBe(200);
  });

  it('When faults expire, then requests answer normally again and /health shows none', async () => {
    app = await buildChaosApp();
    await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth(), payload: { error_rate: 1, expires_in_s: 1 } });
    expect((await app.inject({ url: '/api/things' })).statusCode).toBeGreaterThanOrEqual(500);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await app.inject({ url: '/api/things' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/health' })).json<Health>().chaos).toMatchObject({ active: false });
  });

  it('When hang is set, then the request waits until the fault is lifted', async () => {
    app = await buildChaosApp();
    await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth(), payload: { hang: true } });
    let answered = false;
    const pending = app.inject({ url: '/api/things' }).then((r) => {
      answered = true;
      return r.statusCode;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    await app.inject({ method: 'DELETE', url: '/internal/chaos', headers: auth() });
    expect(await pending).toBe(200);
  });
});
