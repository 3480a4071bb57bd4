import { startFakeService, type FakeService } from '@microshop/testkit';
import { afterEach, describe, expect, test } from 'vitest';
import { staticResolver, type BalancingStrategy, type Resolver, type ServiceInstance } from '../src/discovery/index.js';
import { AppError } from '../src/errors.js';
import { parseExposition, sampleSum, type Sample } from '../src/metrics/exposition.js';
import { metricsRegistry } from '../src/metrics/registry.js';
import { createServiceClient, type ServiceClient, type ServiceClientOptions } from '../src/service-client.js';

const INSTANCE_CALLS = 'microshop_http_client_instance_requests_total';
const EJECTIONS = 'microshop_http_client_instance_ejections_total';

const scrape = async (): Promise<Sample[]> => parseExposition(await metricsRegistry.metrics());
const moved = (before: readonly Sample[], after: readonly Sample[], name: string, labels: Record<string, string>) =>
  sampleSum(after, name, labels) - sampleSum(before, name, labels);

/** Calls of one method a fake received. */
const callsOf = (fake: FakeService, method: string) => fake.calls.filter((call) => call.method === method).length;

/** The status of a call, or of the AppError it threw. */
const statusOf = (promise: Promise<{ status: number }>) =>
  promise.then(
    (response) => response.status,
    (error: unknown) => (error instanceof AppError ? error.status : -1),
  );

describe('Service client: balancing across instances', () => {
  const fakes: FakeService[] = [];
  const clients: ServiceClient[] = [];

  /** Starts `n` fake instances, each answering GET /api/things/:id and POST /api/things. */
  async function startInstances(n: number): Promise<FakeService[]> {
    const started = await Promise.all(Array.from({ length: n }, () => startFakeService()));
    started.forEach((fake, index) => {
      fake.on('GET', '/api/things/:id', (_call, { id }) => ({ body: { id: Number(id), served_by: index } }));
      fake.on('POST', '/api/things', () => ({ status: 201, body: { id: 1, served_by: index } }));
    });
    fakes.push(...started);
    return started;
  }

  function clientOf(options: Partial<ServiceClientOptions> & { service: string; resolver: Resolver }): ServiceClient {
    const client = createServiceClient({ timeoutMs: 2000, ...options });
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(fakes.splice(0).map((fake) => fake.close()));
  });

  for (const balancing of ['round-robin', 'least-outstanding'] as const satisfies readonly BalancingStrategy[]) {
    test(`When 300 GETs go to 3 instances with ${balancing}, then each instance gets 100 ± 15 and the per-instance metric counts them`, async () => {
      const instances = await startInstances(3);
      const service = `spread-${balancing}`;
      const client = clientOf({ service, resolver: staticResolver(service, instances.map((fake) => fake.url)), balancing });
      const before = await scrape();

      for (let i = 0; i < 300; i++) expect((await client.call({ path: `/api/things/${i}` })).status).toBe(200);

      const after = await scrape();
      const counts = instances.map((fake) => callsOf(fake, 'GET'));
      console.log(`${balancing}: 300 sequential GETs over 3 instances → ${counts.join(' / ')}`);
      for (const count of counts) {
        expect(count).toBeGreaterThanOrEqual(85);
        expect(count).toBeLessThanOrEqual(115);
      }
      instances.forEach((fake, index) => {
        expect(moved(before, after, INSTANCE_CALLS, { target: service, instance: fake.url, outcome: 'ok' })).toBe(counts[index]);
      });
    });
  }

  test('When one of three instances goes down, then every GET still succeeds, and the dead one is ejected (counted, shown by instances())', async () => {
    const [dead, ...alive] = (await startInstances(3)) as [FakeService, FakeService, FakeService];
    const service = 'ejection-service';
    const client = clientOf({ service, resolver: staticResolver(service, [dead.url, ...alive.map((fake) => fake.url)]), balancing: 'round-robin' });
    for (let i = 0; i < 3; i++) await client.call({ path: '/api/things/1' });
    dead.goDown();
    const before = await scrape();

    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push(await statusOf(client.call({ path: `/api/things/${i}` })));

    const after = await scrape();
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(alive.reduce((sum, fake) => sum + callsOf(fake, 'GET'), 0)).toBe(2 + 30);
    // Two failures in a row (the default policy) eject it: it is left out for the rest.
    expect(moved(before, after, INSTANCE_CALLS, { target: service, instance: dead.url, outcome: 'unreachable' })).toBe(2);
    expect(moved(before, after, EJECTIONS, { target: service, instance: dead.url })).toBe(1);
    const views = client.instances();
    const deadView = views.find((view) => view.url === dead.url);
    expect(deadView?.consecutive_failures).toBe(2);
    expect(deadView?.ejected_until).not.toBeNull();
    expect(Date.parse(deadView?.ejected_until ?? '')).toBeGreaterThan(Date.now());
    for (const fake of alive) expect(views.find((view) => view.url === fake.url)).toMatchObject({ ejected_until: null, consecutive_failures: 0, outstanding: 0 });
  });

  test('When an instance has stopped (connection refused), then every POST and GET still succeeds, each POST arriving exactly once', async () => {
    const [stopped, ...alive] = (await startInstances(3)) as [FakeService, FakeService, FakeService];
    const service = 'refused-service';
    const client = clientOf({ service, resolver: staticResolver(service, [stopped.url, ...alive.map((fake) => fake.url)]), balancing: 'round-robin' });
    await stopped.close();
    fakes.splice(fakes.indexOf(stopped), 1);
    const before = await scrape();

    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push(await statusOf(client.call({ method: 'POST', path: '/api/things', body: { n: i } })));
    for (let i = 0; i < 12; i++) statuses.push(await statusOf(client.call({ path: `/api/things/${i}` })));

    const after = await scrape();
    expect(statuses.filter((status) => status !== 200 && status !== 201)).toEqual([]);
    const posted = alive.flatMap((fake) => fake.calls.filter((call) => call.method === 'POST').map((call) => (call.body as { n: number }).n));
    expect(posted.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(moved(before, after, INSTANCE_CALLS, { target: service, instance: stopped.url, outcome: 'unreachable' })).toBe(2);
    expect(moved(before, after, EJECTIONS, { target: service, instance: stopped.url })).toBe(1);
  });

  test('When an instance accepts the connection and drops it, then a POST is not sent elsewhere (it may have arrived) and fails with 503, while a GET fails over', async () => {
    const [dropping, alive] = (await startInstances(2)) as [FakeService, FakeService];
    dropping.goDown();
    const service = 'dropping-service';
    // Ejection out of the way: every first pick goes to the dropping instance.
    const client = clientOf({
      service,
      resolver: staticResolver(service, [dropping.url, alive.url]),
      balancing: 'round-robin',
      ejection: { consecutiveFailures: 1000, baseEjectionMs: 1, maxEjectionMs: 1 },
    });

    const post = client.call({ method: 'POST', path: '/api/things', body: {} });
    await expect(post).rejects.toBeInstanceOf(AppError);
    await expect(post).rejects.toMatchObject({ status: 503, service });
    expect(callsOf(alive, 'POST')).toBe(0);

    expect(await statusOf(client.call({ path: '/api/things/1' }))).toBe(200); // turn 2: the alive one
    expect(await statusOf(client.call({ path: '/api/things/2' }))).toBe(200); // turn 3: dropping, then failed over
    expect(callsOf(alive, 'GET')).toBe(2);
  });

  test('When an instance answers its own 500 to a POST, then the POST fails with 502 and is not sent to the other instance; a GET fails over and succeeds', async () => {
    const [failing, healthy] = (await startInstances(2)) as [FakeService, FakeService];
    failing.on('POST', '/api/things', () => ({ status: 500, body: { type: '/problems/boom', title: 'Boom', status: 500, detail: 'its own' } }));
    failing.on('GET', '/api/things/:id', () => ({ status: 500, body: { type: '/problems/boom', title: 'Boom', status: 500, detail: 'its own' } }));
    const service = 'five-hundred-service';
    const client = clientOf({
      service,
      resolver: staticResolver(service, [failing.url, healthy.url]),
      balancing: 'round-robin',
      ejection: { consecutiveFailures: 1000, baseEjectionMs: 1, maxEjectionMs: 1 },
    });

    const post = client.call({ method: 'POST', path: '/api/things', body: {} });
    await expect(post).rejects.toBeInstanceOf(AppError);
    await expect(post).rejects.toMatchObject({ status: 502, service });
    expect([callsOf(failing, 'POST'), callsOf(healthy, 'POST')]).toEqual([1, 0]);

    // Turn 2 goes to the healthy one; turn 3 to the failing one, and fails over.
    expect(await statusOf(client.call({ path: '/api/things/1' }))).toBe(200);
    const { status, body } = await client.call<{ served_by: number }>({ path: '/api/things/2' });
    expect(status).toBe(200);
    expect(body.served_by).toBe(1);
    expect([callsOf(failing, 'GET'), callsOf(healthy, 'GET')]).toEqual([1, 2]);

    // A POST with an Idempotency-Key may be sent twice: it fails over too (turn 4 is the healthy one, turn 5 the failing one).
    await client.call({ path: '/api/things/3' });
    expect(await statusOf(client.call({ method: 'POST', path: '/api/things', body: {}, headers: { 'idempotency-key': 'k-1' } }))).toBe(201);
    expect([callsOf(failing, 'POST'), callsOf(healthy, 'POST')]).toEqual([2, 1]);
  });

  test('When an instance does not answer a POST in time, then the POST fails with 503 and is not sent to the other instance', async () => {
    const [hanging, healthy] = (await startInstances(2)) as [FakeService, FakeService];
    hanging.on('POST', '/api/things', () => ({ hang: true }));
    const service = 'hanging-service';
    const client = clientOf({ service, resolver: staticResolver(service, [hanging.url, healthy.url]), balancing: 'round-robin', timeoutMs: 250 });

    const post = client.call({ method: 'POST', path: '/api/things', body: {} });
    await expect(post).rejects.toMatchObject({ status: 503, service });
    expect([callsOf(hanging, 'POST'), callsOf(healthy, 'POST')]).toEqual([1, 0]);
  });

  test('When one instance is slow, then with least-outstanding and 10 concurrent callers it gets fewer calls than each fast one', async () => {
    const [slow, ...fast] = (await startInstances(3)) as [FakeService, FakeService, FakeService];
    slow.on('GET', '/api/things/:id', () => ({ body: { slow: true }, delayMs: 200 }));
    const service = 'slow-service';
    const client = clientOf({ service, resolver: staticResolver(service, [slow.url, ...fast.map((fake) => fake.url)]), balancing: 'least-outstanding' });

    const caller = async () => {
      for (let i = 0; i < 15; i++) expect((await client.call({ path: `/api/things/${i}` })).status).toBe(200);
    };
    await Promise.all(Array.from({ length: 10 }, caller));

    const [slowCalls, ...fastCalls] = [slow, ...fast].map((fake) => callsOf(fake, 'GET')) as [number, number, number];
    console.log(`least-outstanding, 10 callers × 15 GETs, one instance 200 ms slower: slow ${slowCalls}, fast ${fastCalls.join(' / ')}`);
    expect(slowCalls + fastCalls[0] + fastCalls[1]).toBe(150);
    // Even shares would be 50 each: the slow one's calls pile up, so it is passed over.
    for (const count of fastCalls) expect(slowCalls).toBeLessThan(count / 2);
  });

  test('When the resolver list changes at run time, then a new instance gets traffic and a removed one gets none', async () => {
    const [a, b, c] = (await startInstances(3)) as [FakeService, FakeService, FakeService];
    const listOf = (...list: FakeService[]): readonly ServiceInstance[] => list.map((fake, i) => ({ id: `moving-${i}-${fake.url}`, url: fake.url }));
    let current = listOf(a, b);
    const resolver: Resolver = { service: 'moving-service', source: 'registry', instances: () => current };
    const client = clientOf({ service: 'moving-service', resolver, balancing: 'round-robin' });

    for (let i = 0; i < 10; i++) await client.call({ path: `/api/things/${i}` });
    expect([a, b, c].map((fake) => callsOf(fake, 'GET'))).toEqual([5, 5, 0]);
    expect(client.instances().map((view) => view.url).sort()).toEqual([a.url, b.url].sort());

    current = listOf(b, c);
    for (let i = 0; i < 10; i++) await client.call({ path: `/api/things/${i}` });
    expect(callsOf(a, 'GET')).toBe(5);
    expect(callsOf(b, 'GET')).toBe(10);
    expect(callsOf(c, 'GET')).toBe(5);
    expect(client.instances().map((view) => view.url).sort()).toEqual([b.url, c.url].sort());

    current = [];
    const none = client.call({ path: '/api/things/1' });
    await expect(none).rejects.toMatchObject({ status: 503, service: 'moving-service' });
    await expect(none).rejects.toThrow(/no instance/);
  });
});
