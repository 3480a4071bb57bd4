import { afterEach, describe, expect, test } from 'vitest';
import { createServer, type App } from '../src/server.js';
import { startServing, whenServing } from '../src/serving.js';

const apps: App[] = [];
async function newApp(): Promise<App> {
  const app = await createServer({ name: 'worker-service', logLevel: false, docs: false });
  app.get('/api/ping', async () => ({ ok: true }));
  apps.push(app);
  return app;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('Serving: background work that starts once the app serves', () => {
  test('When the app is only made ready and injected into, then the work does not run', async () => {
    const app = await newApp();
    let runs = 0;
    whenServing(app, () => {
      runs++;
    });
    await app.ready();
    expect((await app.inject({ method: 'GET', url: '/api/ping' })).statusCode).toBe(200);
    expect(runs).toBe(0);
  });

  test('When the app listens, then the work runs once; startServing afterwards does not run it again', async () => {
    const app = await newApp();
    let runs = 0;
    whenServing(app, () => {
      runs++;
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    expect(runs).toBe(1);
    await startServing(app);
    await startServing(app);
    expect(runs).toBe(1);
  });

  test('When startServing is called on an app that never listens, then the work runs once, and once only whatever comes after', async () => {
    const app = await newApp();
    let runs = 0;
    whenServing(app, () => {
      runs++;
    });
    await app.ready();
    await startServing(app);
    expect(runs).toBe(1);
    expect(app.server.listening).toBe(false);
    await startServing(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    expect(runs).toBe(1);
  });

  test('When several works are registered, then each runs once, in order, and startServing resolves after the async ones are done', async () => {
    const app = await newApp();
    const log: string[] = [];
    whenServing(app, async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push('relay');
    });
    whenServing(app, () => {
      log.push('sweeper');
    });
    await app.ready();
    await startServing(app);
    expect(log).toEqual(['relay', 'sweeper']);
    await app.listen({ port: 0, host: '127.0.0.1' });
    expect(log).toEqual(['relay', 'sweeper']);
  });

  test('When two apps each have work, then serving one starts only its own', async () => {
    const [first, second] = [await newApp(), await newApp()];
    const started: string[] = [];
    whenServing(first, () => {
      started.push('first');
    });
    whenServing(second, () => {
      started.push('second');
    });
    await first.ready();
    await second.ready();
    await startServing(second);
    expect(started).toEqual(['second']);
  });

  test('When an app has no work registered, then startServing and listening are harmless', async () => {
    const app = await newApp();
    await app.ready();
    await startServing(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    expect(app.server.listening).toBe(true);
  });
});
