import { request } from '@microshop/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { currentModule, inModule, serveInModule } from '../src/modules/scope.js';
import { createServer, type App } from '../src/server.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Module scope: which module the current work belongs to', () => {
  test('When no module was entered, then there is no current module', () => {
    expect(currentModule()).toBeUndefined();
  });

  test('When work runs in a module, then it sees that module and its value comes back; outside, there is none again', () => {
    expect(inModule('order-service', () => [currentModule(), 42] as const)).toEqual(['order-service', 42]);
    expect(currentModule()).toBeUndefined();
  });

  test('When a module calls into another one, then the inner work sees the inner module, and the outer one is back afterwards', () => {
    const seen = inModule('gateway', () => {
      const inner = inModule('order-service', () => currentModule());
      return [inner, currentModule()];
    });
    expect(seen).toEqual(['order-service', 'gateway']);
  });

  test('When the work awaits, sets timers and chains promises, then every continuation still belongs to its module', async () => {
    const seen: (string | undefined)[] = [];
    await inModule('user-service', async () => {
      await pause(5);
      seen.push(currentModule());
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.push(currentModule());
          resolve();
        }, 5),
      );
      await Promise.resolve().then(() => seen.push(currentModule()));
    });
    expect(seen).toEqual(['user-service', 'user-service', 'user-service']);
    expect(currentModule()).toBeUndefined();
  });

  test('When two modules work at the same time, then their interleaved continuations never mix', async () => {
    const run = (name: string, delays: number[]) =>
      inModule(name, async () => {
        const seen: (string | undefined)[] = [];
        for (const ms of delays) {
          await pause(ms);
          seen.push(currentModule());
        }
        return seen;
      });
    const [a, b] = await Promise.all([run('product-service', [1, 6, 1, 6]), run('payment-service', [4, 1, 4, 1])]);
    expect(a).toEqual(Array(4).fill('product-service'));
    expect(b).toEqual(Array(4).fill('payment-service'));
  });

  test('When the work throws, then the error comes out of inModule and the scope is left', () => {
    expect(() =>
      inModule('order-service', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(currentModule()).toBeUndefined();
  });
});

describe('Module scope: a listening server whose requests belong to a module', () => {
  let inShop: App;
  let plain: App;
  let shopUrl: string;
  let plainUrl: string;

  /** An app whose routes tell which module their hooks and handlers run in. */
  async function reportingApp(name: string): Promise<App> {
    const app = await createServer({ name, logLevel: false, docs: false });
    app.addHook('onRequest', async (req) => {
      (req as unknown as { hookModule: string | undefined }).hookModule = currentModule();
    });
    app.get('/api/where', async (req) => {
      await pause(5);
      return { handler: currentModule() ?? null, hook: (req as unknown as { hookModule: string | undefined }).hookModule ?? null };
    });
    return app;
  }

  beforeAll(async () => {
    inShop = await reportingApp('shop-service');
    plain = await reportingApp('plain-service');
    serveInModule(inShop.server, 'shop-service');
    shopUrl = await inShop.listen({ port: 0, host: '127.0.0.1' });
    plainUrl = await plain.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await inShop.close();
    await plain.close();
  });

  test('When a request arrives at a server served in a module, then its hooks and handler run in that module', async () => {
    const { status, body } = await request(shopUrl, 'GET', '/api/where');
    expect(status).toBe(200);
    expect(body).toEqual({ handler: 'shop-service', hook: 'shop-service' });
  });

  test('When a request arrives at a server not served in a module, then it runs in none', async () => {
    expect((await request(plainUrl, 'GET', '/api/where')).body).toEqual({ handler: null, hook: null });
  });

  test('When requests arrive at both servers at once, then each keeps its own scope', async () => {
    const answers = await Promise.all([shopUrl, plainUrl, shopUrl, plainUrl].map((url) => request<{ handler: string | null }>(url, 'GET', '/api/where')));
    expect(answers.map((a) => a.body.handler)).toEqual(['shop-service', null, 'shop-service', null]);
  });

  test('When the server also emits other events, then they pass through untouched', () => {
    let got: unknown[] = [];
    inShop.server.once('custom-event', (...args: unknown[]) => {
      got = [...args, currentModule() ?? null];
    });
    expect(inShop.server.emit('custom-event', 1, 'two')).toBe(true);
    expect(got).toEqual([1, 'two', null]);
  });
});
