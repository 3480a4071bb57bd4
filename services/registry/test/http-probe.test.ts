import { startFakeService, type FakeService } from '@microshop/testkit';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { createHttpProbe, type HttpProbe } from '../src/clients/http-probe.js';
import type { CheckTarget } from '../src/domain/store.js';

/** The registry's HTTP health check against a fake instance: its limit is its own, to the millisecond. */
describe('Registry: the HTTP health check and its time limit', () => {
  let fake: FakeService;
  let probes: HttpProbe[];
  const open = new AbortController();

  beforeEach(async () => {
    fake = await startFakeService();
    probes = [];
  });
  afterEach(async () => {
    await Promise.all(probes.map((p) => p.close()));
    await fake.close();
  });

  const target = (path: string): CheckTarget => {
    const { hostname, port } = new URL(fake.url);
    return { service: 'product-service', instance_id: 'product-service-1', generation: 1, host: hostname, port: Number(port), health_path: path };
  };
  const probeWith = (timeoutMs: number) => {
    const made = createHttpProbe({ timeoutMs, intervalMs: 1000 });
    probes.push(made);
    return made.probe;
  };

  test('When an instance answers its check within the limit, then the check passes: no coarse timer cuts it early', async () => {
    // undici's own headers timeout runs on a clock that ticks every half second and starts half a
    // tick back: set to the limit, a 950 ms limit failed checks answered after 750 ms. A busy
    // process keeps that clock ticking; here one long check in the background does.
    fake.on('GET', '/health', () => ({ body: { status: 'ok' }, delayMs: 750 }));
    fake.on('GET', '/slow-health', () => ({ body: { status: 'ok' }, delayMs: 5000 }));
    const background = probeWith(8000)(target('/slow-health'), open.signal);
    const check = probeWith(950);
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) outcomes.push((await check(target('/health'), open.signal)).outcome);
    expect((await background).outcome).toBe('ok');
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
  });

  test('When an instance answers later than the limit, then the check fails as a timeout, at the limit', async () => {
    fake.on('GET', '/health', () => ({ body: { status: 'ok' }, delayMs: 600 }));
    const started = performance.now();
    const result = await probeWith(300)(target('/health'), open.signal);
    const took = performance.now() - started;
    expect(result).toMatchObject({ ok: false, outcome: 'timeout', reason: 'no answer within 300 ms' });
    expect(took).toBeGreaterThanOrEqual(295);
    expect(took).toBeLessThan(550);
  });
});
