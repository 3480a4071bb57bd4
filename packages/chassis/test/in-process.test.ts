import { testKeys } from '@microshop/testkit';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDiscovery } from '../src/discovery/discovery.js';
import { AppError } from '../src/errors.js';
import { parseExposition, sampleSum } from '../src/metrics/exposition.js';
import { metricsRegistry, registryOf } from '../src/metrics/registry.js';
import { inProcessDiscovery, inProcessResolver } from '../src/modules/in-process.js';
import { currentModule, inModule } from '../src/modules/scope.js';
import { createServer, type App } from '../src/server.js';
import { createServiceClient, type ServiceClient } from '../src/service-client.js';

/** The budget of ordinary calls: generous, so that a loaded machine never fails them. */
const TIMEOUT_MS = 2000;
/** The budget of the calls meant to time out, and how long the slow handler takes. */
const SHORT_MS = 500;
const SLOW_MS = 3000;
const CALLS = 'microshop_http_client_requests_total';
/** The caller's identity: its token for B comes with every call of the in-process client. */
const keys = testKeys();
const caller = keys.identity('gateway');
const SERVED = 'microshop_http_server_requests_total';

/** Module B: answers what it was sent, and in which module it ran. */
async function buildB(): Promise<App> {
  const app = await createServer({ name: 'b', logLevel: false, docs: false });
  app.get('/api/things/:id', { schema: { params: Type.Object({ id: Type.Integer() }), querystring: Type.Object({ colour: Type.Optional(Type.String()) }) } }, async (req, reply) => {
    void reply.header('x-thing', `thing-${req.params.id}`);
    return { id: req.params.id, colour: req.query.colour ?? null, module: currentModule() ?? null, token: req.headers['x-service-token'] ?? null, extra: req.headers['x-extra'] ?? null };
  });
  app.post('/api/things', { schema: { body: Type.Object({ name: Type.String(), price: Type.Number() }) } }, async (req, reply) =>
    reply.code(201).header('location', '/api/things/9').send({ id: 9, ...req.body, module: currentModule() ?? null, type: req.headers['content-type'] ?? null }),
  );
  app.get('/api/boom', async () => {
    throw new Error('boom');
  });
  app.get('/api/down', async () => {
    throw AppError.unavailable('c', 'c is down');
  });
  app.get('/api/missing', async () => {
    throw AppError.notFound('thing', 404);
  });
  app.get('/api/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
    return { late: true };
  });
  return app;
}

const scrape = async (module?: string) => parseExposition(await (module === undefined ? metricsRegistry : registryOf(module)).metrics());

/** The AppError a call throws, as plain fields. */
async function failureOf(call: Promise<unknown>): Promise<{ status: number; code: string; message: string; service: string | undefined }> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  const { status, code, message, service } = error as AppError;
  return { status, code, message, service };
}

describe('In-process calls: the chassis client reaches a module of the same process without a socket', () => {
  let appB: App;
  let client: ServiceClient;
  // The same app over HTTP: what an in-process call must behave like.
  let httpB: App;
  let httpClient: ServiceClient;
  // The same two with a short budget, for the calls meant to time out.
  let shortClient: ServiceClient;
  let shortHttpClient: ServiceClient;

  beforeAll(async () => {
    appB = await buildB();
    await appB.ready();
    client = createServiceClient({ service: 'b', resolver: inProcessResolver('b', () => appB), timeoutMs: TIMEOUT_MS, identity: caller });
    httpB = await buildB();
    const httpUrl = await httpB.listen({ port: 0, host: '127.0.0.1' });
    httpClient = createServiceClient({ service: 'b', baseUrl: httpUrl, timeoutMs: TIMEOUT_MS });
    shortClient = createServiceClient({ service: 'b', resolver: inProcessResolver('b', () => appB), timeoutMs: SHORT_MS });
    shortHttpClient = createServiceClient({ service: 'b', baseUrl: httpUrl, timeoutMs: SHORT_MS });
    // Its keep-alive connection is opened now: the timeout compared below is the answer's, never the connect's.
    await shortHttpClient.call({ path: '/api/things/0' }).catch(() => undefined);
  });
  afterAll(async () => {
    await Promise.all([client, httpClient, shortClient, shortHttpClient].map((c) => c.close()));
    await appB.close();
    await httpB.close();
  });

  test('When a GET is sent, then it reaches B with its query and headers, and the status, headers and body come back, B never listening', async () => {
    const { status, headers, body } = await client.call<Record<string, unknown>>({ path: '/api/things/7', query: { colour: 'red' }, headers: { 'x-extra': 'yes' } });
    expect(status).toBe(200);
    expect(headers['x-thing']).toBe('thing-7');
    expect(headers['content-type']).toMatch(/^application\/json/);
    expect(headers['x-request-id']).toEqual(expect.any(String));
    expect(body).toEqual({ id: 7, colour: 'red', module: 'b', token: caller.tokenFor('b'), extra: 'yes' });
    expect(appB.server.listening).toBe(false);
    expect(appB.server.address()).toBeNull();
  });

  test('When a POST with a JSON body is sent, then B reads the body as JSON and its 201 comes back with its headers', async () => {
    const { status, headers, body } = await client.call({ method: 'POST', path: '/api/things', body: { name: 'Laptop', price: 999.99 } });
    expect(status).toBe(201);
    expect(headers.location).toBe('/api/things/9');
    expect(body).toEqual({ id: 9, name: 'Laptop', price: 999.99, module: 'b', type: 'application/json' });
    expect(appB.server.listening).toBe(false);
  });

  test('When B answers 4xx, then the answer comes back as it is, as over HTTP', async () => {
    const inProcess = await client.call<{ status: number }>({ path: '/api/missing' });
    const overHttp = await httpClient.call<{ status: number }>({ path: '/api/missing' });
    expect(inProcess.status).toBe(404);
    expect(inProcess.body).toEqual(overHttp.body);
  });

  test('When B answers 500 or 503, then the client throws the same AppError as over HTTP', async () => {
    const boom = await failureOf(client.call({ path: '/api/boom' }));
    expect(boom).toEqual({ status: 502, code: 'bad-gateway', message: 'b answered 500', service: 'b' });
    expect(boom).toEqual(await failureOf(httpClient.call({ path: '/api/boom' })));
    // A 503 naming another service is passed on as the caller's own 502/503 the same way.
    expect(await failureOf(client.call({ path: '/api/down' }))).toEqual(await failureOf(httpClient.call({ path: '/api/down' })));
  });

  test('When B is slower than the budget, then the call fails with the timeout error of the client, 503, within the budget', async () => {
    const started = performance.now();
    const slow = await failureOf(shortClient.call({ path: '/api/slow' }));
    const elapsed = performance.now() - started;
    expect(slow).toEqual({ status: 503, code: 'service-unavailable', message: `b did not answer within ${SHORT_MS} ms`, service: 'b' });
    expect(slow).toEqual(await failureOf(shortHttpClient.call({ path: '/api/slow' })));
    expect(elapsed).toBeGreaterThanOrEqual(SHORT_MS - 10);
    expect(elapsed).toBeLessThan(SLOW_MS);
  });

  test('When a caller in module A calls, then the handler runs in module B, and A is the current module again afterwards', async () => {
    const seen = await inModule('a', async () => {
      const { body } = await client.call<{ module: string }>({ path: '/api/things/1' });
      return { handler: body.module, after: currentModule() };
    });
    expect(seen).toEqual({ handler: 'b', after: 'a' });
  });

  test("When a caller in module A calls, then the call counts in A's client metrics and B's request in B's, none in the process registry", async () => {
    const before = { a: await scrape('a'), b: await scrape('b'), process: await scrape() };
    await inModule('a', async () => {
      await client.call({ path: '/api/things/2' });
      await client.call({ method: 'POST', path: '/api/things', body: { name: 'Mouse', price: 25 } });
      await client.call({ path: '/api/boom' }).catch(() => undefined);
    });
    const after = { a: await scrape('a'), b: await scrape('b'), process: await scrape() };
    const moved = (which: 'a' | 'b' | 'process', name: string, labels: Record<string, string>) => sampleSum(after[which], name, labels) - sampleSum(before[which], name, labels);

    expect(moved('a', CALLS, { target: 'b', method: 'GET', outcome: 'ok' })).toBe(1);
    expect(moved('a', CALLS, { target: 'b', method: 'POST', outcome: 'ok' })).toBe(1);
    expect(moved('a', CALLS, { target: 'b', method: 'GET', outcome: 'server_error' })).toBe(1);
    expect(moved('process', CALLS, { target: 'b' })).toBe(0);
    expect(moved('b', CALLS, { target: 'b' })).toBe(0);
    expect(moved('b', SERVED, { method: 'GET', route: '/api/things/:id', status_code: '200' })).toBe(1);
    expect(moved('b', SERVED, { method: 'POST', route: '/api/things', status_code: '201' })).toBe(1);
    expect(moved('a', SERVED, {})).toBe(0);
    expect(moved('process', SERVED, {})).toBe(0);
    // Once B's handlers are done (a timed-out one runs on in B), none is left counted as in flight.
    await expect.poll(async () => sampleSum(await scrape('b'), 'microshop_http_server_requests_in_flight'), { timeout: SLOW_MS * 3 }).toBe(0);
  });

  test('When the caller is in no module, then its calls count in the process registry, as over HTTP', async () => {
    const before = await scrape();
    await client.call({ path: '/api/things/3' });
    await shortClient.call({ path: '/api/slow' }).catch(() => undefined);
    const after = await scrape();
    expect(sampleSum(after, CALLS, { target: 'b', outcome: 'ok' }) - sampleSum(before, CALLS, { target: 'b', outcome: 'ok' })).toBe(1);
    expect(sampleSum(after, CALLS, { target: 'b', outcome: 'timeout' }) - sampleSum(before, CALLS, { target: 'b', outcome: 'timeout' })).toBe(1);
  });

  test('When the client lists its instances, then the one instance is the in-process one', async () => {
    await client.call({ path: '/api/things/4' });
    expect(client.instances()).toMatchObject([{ id: 'b@in-process', url: 'inproc://b', outstanding: 0 }]);
  });
});

describe('In-process calls: a module mounted later', () => {
  test('When the module is not mounted yet, then the call fails as unreachable (503); once it is mounted, the next call succeeds', async () => {
    let mounted: App | undefined;
    const late = createServiceClient({ service: 'b', resolver: inProcessResolver('b', () => mounted), timeoutMs: TIMEOUT_MS });
    const app = await buildB();
    try {
      const before = await scrape();
      const failure = await failureOf(late.call({ path: '/api/things/1' }));
      expect(failure).toEqual({ status: 503, code: 'service-unavailable', message: 'b is unreachable (ECONNREFUSED)', service: 'b' });
      const after = await scrape();
      expect(sampleSum(after, CALLS, { target: 'b', outcome: 'unreachable' }) - sampleSum(before, CALLS, { target: 'b', outcome: 'unreachable' })).toBe(1);

      mounted = app;
      const { status, body } = await late.call<{ module: string }>({ path: '/api/things/1' });
      expect(status).toBe(200);
      expect(body.module).toBe('b');
    } finally {
      await late.close();
      await app.close();
    }
  });

  test('When the resolver is asked for instances, then it lists one inproc:// instance, the same list each time', () => {
    const resolver = inProcessResolver('order-service', () => undefined);
    expect(resolver.service).toBe('order-service');
    expect(resolver.source).toBe('in-process');
    expect(resolver.instances()).toMatchObject([{ id: 'order-service@in-process', url: 'inproc://order-service', target: expect.any(Object) as unknown }]);
    expect(resolver.instances()).toBe(resolver.instances());
  });
});

describe('In-process discovery: modules in-process, anything else through the fallback', () => {
  let appB: App;
  let outsideApp: App;
  let outsideUrl: string;

  beforeAll(async () => {
    appB = await buildB();
    outsideApp = await buildB();
    outsideUrl = await outsideApp.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await appB.close();
    await outsideApp.close();
  });

  test('When names are resolved, then a mounted one is reached in-process, another through the fallback over HTTP, and view() lists both', async () => {
    const modules = new Map<string, App>([['b', appB]]);
    const fallback = createDiscovery({ identity: caller, refreshMs: 1000, targets: { provider: outsideUrl } });
    const discovery = inProcessDiscovery(modules, { mounted: ['b'], fallback });
    const toB = createServiceClient({ service: 'b', resolver: discovery.resolver('b'), timeoutMs: TIMEOUT_MS });
    const toProvider = createServiceClient({ service: 'provider', resolver: discovery.resolver('provider'), timeoutMs: TIMEOUT_MS });
    try {
      expect(discovery.resolver('b')).toBe(discovery.resolver('b'));
      expect(discovery.resolver('b').source).toBe('in-process');
      expect(discovery.resolver('provider').source).toBe('static');
      await discovery.refresh();

      const inProcess = await toB.call<{ id: number; module: string | null }>({ path: '/api/things/5' });
      expect(inProcess.body).toMatchObject({ id: 5, module: 'b' });
      expect(appB.server.listening).toBe(false);
      const overHttp = await toProvider.call<{ id: number; module: string | null }>({ path: '/api/things/6' });
      expect(overHttp.body).toMatchObject({ id: 6, module: null });

      const view = discovery.view();
      expect(view.registry).toBeNull();
      expect(view.stale).toBe(false);
      expect(view.neighbours.b).toMatchObject({ source: 'in-process', instances: [{ id: 'b@in-process', url: 'inproc://b' }] });
      expect(view.neighbours.provider).toMatchObject({ source: 'static', instances: [{ url: outsideUrl }] });
    } finally {
      await toB.close();
      await toProvider.close();
      await discovery.close();
    }
  });

  test('When a mounted module is added to the map after the discovery was made, then calls find it', async () => {
    const modules = new Map<string, App>();
    const discovery = inProcessDiscovery(modules, { mounted: ['b'] });
    const toB = createServiceClient({ service: 'b', resolver: discovery.resolver('b'), timeoutMs: TIMEOUT_MS });
    try {
      expect((await failureOf(toB.call({ path: '/api/things/1' }))).status).toBe(503);
      modules.set('b', appB);
      expect((await toB.call<{ module: string }>({ path: '/api/things/1' })).body.module).toBe('b');
    } finally {
      await toB.close();
      await discovery.close();
    }
  });

  test('When there is no fallback, then every name is taken for a module of the process', () => {
    const discovery = inProcessDiscovery(new Map(), { mounted: ['b'] });
    expect(discovery.resolver('anything').source).toBe('in-process');
    expect(discovery.view()).toEqual({ registry: null, stale: false, last_refresh_at: null, neighbours: { anything: { source: 'in-process', instances: expect.any(Array) as unknown } } });
  });
});
