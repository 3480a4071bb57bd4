import { describe, expect, test } from 'vitest';
import { sleep, startRegistry, useRegistries, waitFor, type TestRegistry } from './helpers.js';

describe('Registry health checks and eviction', () => {
  const { registry, fake } = useRegistries();
  const kinds = async (reg: TestRegistry, id: string) =>
    (await reg.state()).events.filter((e) => e.instance_id === id).reverse().map((e) => e.kind);

  test('When an instance stops answering, then it turns failing at the first failed check and is evicted at the second, with the reason', async () => {
    const reg = await registry({ failuresToEvict: 2 });
    const instance = await fake();
    await reg.register('product-service', 'p1', { host: '127.0.0.1', port: instance.port });
    await waitFor('passing', async () => (await reg.instances('product-service')).length === 1);
    instance.goDown();
    await waitFor('evicted', async () => (await reg.instances('product-service', 'all')).length === 0);
    expect(await kinds(reg, 'p1')).toEqual(['registered', 'passing', 'failing', 'evicted']);
    const [evicted] = (await reg.state()).events;
    expect(evicted?.detail).toMatch(/^health check failed twice: /);
  });

  test('When an instance fails its checks, then it is not given to clients while failing, and is again once a check passes', async () => {
    const reg = await registry({ failuresToEvict: 1000 });
    const instance = await fake();
    await reg.register('product-service', 'p1', { host: '127.0.0.1', port: instance.port });
    await waitFor('passing', async () => (await reg.instances('product-service')).length === 1);

    instance.healthy = false;
    const [failing] = await waitFor('failing', async () => {
      const all = await reg.instances('product-service', 'all');
      return (all[0]?.consecutive_failures ?? 0) >= 2 && all;
    });
    expect(failing?.status).toBe('failing');
    expect(await reg.instances('product-service')).toEqual([]);
    expect((await reg.state('passing')).services).toEqual([{ service: 'product-service', instances: [] }]);

    instance.healthy = true;
    const [back] = await waitFor('passing again', async () => {
      const list = await reg.instances('product-service');
      return list.length === 1 && list;
    });
    expect(back).toMatchObject({ status: 'passing', consecutive_failures: 0 });
    expect(await kinds(reg, 'p1')).toEqual(['registered', 'passing', 'failing', 'passing']);
    expect((await reg.state()).events[0]?.detail).toBe('health check passed again');
  });

  test('When an instance sends no heartbeat for one TTL, then it is evicted, while one that keeps sending stays', async () => {
    const reg = await registry({ ttlMs: 300 });
    const instance = await fake();
    await reg.register('order-service', 'quiet', { host: '127.0.0.1', port: instance.port });
    await reg.register('order-service', 'alive', { host: '127.0.0.1', port: instance.port });
    const started = Date.now();
    while (Date.now() - started < 700) {
      await reg.register('order-service', 'alive', { host: '127.0.0.1', port: instance.port });
      await sleep(60);
    }
    expect((await reg.instances('order-service', 'all')).map((i) => i.instance_id)).toEqual(['alive']);
    const evicted = (await reg.state()).events.find((e) => e.kind === 'evicted');
    expect(evicted).toMatchObject({ instance_id: 'quiet', detail: 'no heartbeat for 300 ms' });

    const again = await reg.register('order-service', 'quiet', { host: '127.0.0.1', port: instance.port });
    expect(again.status).toBe(201);
  });

  test('When an instance hangs, then its checks time out without piling up, and the other instances are checked on time', async () => {
    const reg = await registry({ checkIntervalMs: 50, checkTimeoutMs: 250, failuresToEvict: 1000 });
    const hanging = await fake({ hang: true });
    const healthy = await fake();
    await reg.register('payment-service', 'hangs', { host: '127.0.0.1', port: hanging.port });
    await reg.register('payment-service', 'fine', { host: '127.0.0.1', port: healthy.port });
    await waitFor('the healthy one passing', async () => (await reg.instances('payment-service')).length === 1);

    const hangingBefore = hanging.checks();
    const healthyBefore = healthy.checks();
    await sleep(1000);
    // Never two checks of the hanging one at once: at most one per timeout (about 4), never one per tick (about 20).
    expect(hanging.checks() - hangingBefore).toBeLessThanOrEqual(6);
    // The healthy one is checked every tick, not once per hanging timeout.
    expect(healthy.checks() - healthyBefore).toBeGreaterThanOrEqual(10);

    healthy.healthy = false;
    const noticed = Date.now();
    await waitFor('the healthy one failing', async () => (await reg.instances('payment-service', 'all')).find((i) => i.instance_id === 'fine')?.status === 'failing');
    expect(Date.now() - noticed).toBeLessThan(400);

    const hangs = (await reg.instances('payment-service', 'all')).find((i) => i.instance_id === 'hangs');
    expect(hangs).toMatchObject({ instance_id: 'hangs', status: 'failing' });
    const failing = (await reg.state()).events.find((e) => e.instance_id === 'hangs' && e.kind === 'failing');
    expect(failing?.detail).toBe('health check failed: no answer within 250 ms');
  });

  test('When the registry closes, then it checks nothing any more', async () => {
    const reg = await startRegistry();
    const instance = await fake();
    await reg.register('user-service', 'u1', { host: '127.0.0.1', port: instance.port });
    await waitFor('a few checks', () => instance.checks() >= 3);
    await reg.app.close();
    const after = instance.checks();
    await sleep(200);
    expect(instance.checks()).toBe(after);
  });
});
