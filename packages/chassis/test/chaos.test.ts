import { SERVICE_TOKEN_HEADER, type ChaosState, type Health } from '@microshop/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, registerHealth, type App } from '../src/index.js';

const TOKEN = 'chaos-test-service-token-0123';
const auth = { [SERVICE_TOKEN_HEADER]: TOKEN };

async function buildChaosApp(): Promise<App> {
  const app = await createServer({ name: 'chaos-test', logLevel: false, docs: false, serviceToken: TOKEN });
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
    ['no credential', {}, 401],
    ['a wrong credential', { [SERVICE_TOKEN_HEADER]: 'chaos-test-service-token-XXXX' }, 403],
  ])('When setting faults with %s, then %i and nothing is injected', async (_name, headers, status) => {
    app = await buildChaosApp();
    const put = await app.inject({ method: 'PUT', url: '/internal/chaos', headers, payload: { latency_ms: 500 } });
    expect(put.statusCode).toBe(status);
    const state = await app.inject({ method: 'GET', url: '/internal/chaos', headers: auth });
    expect(state.json<ChaosState>().active).toBe(false);
  });

  it('When error_rate is out of range, then 400 naming the field', async () => {
    app = await buildChaosApp();
    const put = await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth, payload: { error_rate: 2 } });
    expect(put.statusCode).toBe(400);
    expect(put.body).toContain('error_rate');
  });

  it('When latency is injected, then API routes slow down, /health stays fast and shows it', async () => {
    app = await buildChaosApp();
    const put = await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth, payload: { latency_ms: 150, expires_in_s: 30 } });
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
    await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth, payload: { error_rate: 1 } });
    const statuses = await Promise.all(Array.from({ length: 10 }, async () => (await app!.inject({ url: '/api/things' })).statusCode));
    expect(statuses.every((s) => s === 500 || s === 503)).toBe(true);
    const failed = await app.inject({ url: '/api/things' });
    expect(failed.headers['content-type']).toContain('application/problem+json');
    await app.inject({ method: 'DELETE', url: '/internal/chaos', headers: auth });
    expect((await app.inject({ url: '/api/things' })).statusCode).toBe(200);
  });

  it('When faults expire, then requests answer normally again and /health shows none', async () => {
    app = await buildChaosApp();
    await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth, payload: { error_rate: 1, expires_in_s: 1 } });
    expect((await app.inject({ url: '/api/things' })).statusCode).toBeGreaterThanOrEqual(500);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await app.inject({ url: '/api/things' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/health' })).json<Health>().chaos).toMatchObject({ active: false });
  });

  it('When hang is set, then the request waits until the fault is lifted', async () => {
    app = await buildChaosApp();
    await app.inject({ method: 'PUT', url: '/internal/chaos', headers: auth, payload: { hang: true } });
    let answered = false;
    const pending = app.inject({ url: '/api/things' }).then((r) => {
      answered = true;
      return r.statusCode;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    await app.inject({ method: 'DELETE', url: '/internal/chaos', headers: auth });
    expect(await pending).toBe(200);
  });
});
