import { metricsText, promtoolCheckMetrics, request, sampleDelta, scrapeMetrics } from '@microshop/testkit';
import { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseExposition, sampleSum } from '../src/metrics/exposition.js';
import { defineGauge } from '../src/metrics/gauges.js';
import { metricsRegistry, metricsText as currentMetricsText, perRegistry, registryOf } from '../src/metrics/registry.js';
import { inModule, serveInModule } from '../src/modules/scope.js';
import { createServer, type App } from '../src/server.js';

const REQUESTS = 'microshop_http_server_requests_total';
const ROUTE = '/api/things/:id';

/** A service app as the monolith makes one: built inside its module, its socket serving in that module. */
async function moduleApp(module: string): Promise<{ app: App; url: string }> {
  const app = await inModule(module, async () => {
    const built = await createServer({ name: module, version: '2.0.0', logLevel: false, docs: false });
    built.get('/api/things/:id', async () => ({ module }));
    return built;
  });
  serveInModule(app.server, module);
  const url = await inModule(module, () => app.listen({ port: 0, host: '127.0.0.1' }));
  return { app, url };
}

/** How many `# TYPE` lines name `metric` in an exposition text. */
const typeLines = (text: string, metric: string) => text.split('\n').filter((line) => line.startsWith(`# TYPE ${metric} `)).length;

describe('Chassis metrics per module: each module of a process has its own registry', () => {
  let alpha: { app: App; url: string };
  let beta: { app: App; url: string };
  let lone: App;
  let loneUrl: string;

  beforeAll(async () => {
    alpha = await moduleApp('alpha-service');
    beta = await moduleApp('beta-service');
    // A service of its own, as every process was before modules: no module anywhere.
    lone = await createServer({ name: 'lone-service', version: '1.0.0', logLevel: false, docs: false });
    lone.get('/api/things/:id', async () => ({ module: null }));
    loneUrl = await lone.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await Promise.all([alpha.app.close(), beta.app.close(), lone.close()]);
  });

  test("When requests go to two modules' apps, then each module's /metrics counts only its own", async () => {
    const before = await Promise.all([alpha.url, beta.url, loneUrl].map((url) => scrapeMetrics(url)));
    await request(alpha.url, 'GET', '/api/things/1');
    await request(alpha.url, 'GET', '/api/things/2');
    await request(beta.url, 'GET', '/api/things/3');
    const after = await Promise.all([alpha.url, beta.url, loneUrl].map((url) => scrapeMetrics(url)));
    const moved = (index: number) => sampleDelta(before[index] ?? [], after[index] ?? [], REQUESTS, { method: 'GET', route: ROUTE, status_code: '200' });

    expect([moved(0), moved(1), moved(2)]).toEqual([2, 1, 0]);
  });

  test('When requests go to the app of no module, then the process registry counts them, as before modules existed', async () => {
    const before = await Promise.all([alpha.url, beta.url, loneUrl].map((url) => scrapeMetrics(url)));
    for (const id of [1, 2, 3]) await request(loneUrl, 'GET', `/api/things/${id}`);
    const after = await Promise.all([alpha.url, beta.url, loneUrl].map((url) => scrapeMetrics(url)));
    const moved = (index: number) => sampleDelta(before[index] ?? [], after[index] ?? [], REQUESTS, { route: ROUTE });

    expect([moved(0), moved(1), moved(2)]).toEqual([0, 0, 3]);
    // The lone app's /metrics is the process registry, whole: the same families in the same order, and the
    // same series. The runtime's own series are compared by family only: which kinds of handles are alive
    // (a timer, say) and which kinds of garbage collection have run change between two reads.
    const families = (text: string) => text.split('\n').filter((line) => line.startsWith('# TYPE '));
    const series = (text: string) =>
      parseExposition(text)
        .filter((s) => !s.name.startsWith('microshop_nodejs_'))
        .map((s) => `${s.name}${JSON.stringify(s.labels)}`);
    const served = await metricsText(loneUrl);
    const registry = await metricsRegistry.metrics();
    expect(families(served)).toEqual(families(registry));
    expect(families(served).length).toBeGreaterThan(20);
    expect(series(served)).toEqual(series(registry));
    expect(series(served).filter((line) => line.startsWith(REQUESTS) && line.includes(ROUTE)).length).toBeGreaterThan(0);
  });

  test("When each /metrics is read, then it names only its own service; the modules' services never show in the process registry", async () => {
    const info = async (url: string) => (await scrapeMetrics(url)).filter((s) => s.name === 'microshop_service_info').map((s) => s.labels.service);
    expect(await info(alpha.url)).toEqual(['alpha-service']);
    expect(await info(beta.url)).toEqual(['beta-service']);
    expect(await info(loneUrl)).toEqual(['lone-service']);
    const pid = String(process.pid);
    expect(sampleSum(await scrapeMetrics(alpha.url), 'microshop_service_info', { service: 'alpha-service', version: '2.0.0', pid })).toBe(1);
  });

  test("When a module's /metrics is read, then it carries the process metrics too, each exactly once", async () => {
    const text = await metricsText(alpha.url);
    for (const metric of ['microshop_process_cpu_user_seconds_total', 'microshop_process_cpu_seconds_total', 'microshop_process_resident_memory_bytes', 'microshop_process_start_time_seconds', 'microshop_nodejs_eventloop_lag_seconds', 'microshop_nodejs_heap_size_used_bytes']) {
      expect(typeLines(text, metric), metric).toBe(1);
    }
    const samples = parseExposition(text);
    expect(samples.filter((s) => s.name === 'microshop_process_cpu_user_seconds_total')).toHaveLength(1);
    // Every metric family is announced once: nothing of the module's registry repeats the process's.
    const families = text.split('\n').filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]);
    expect(new Set(families).size).toBe(families.length);
    // The process's own request metrics do not leak into a module's page.
    expect(text).not.toContain('lone-service');
  });

  test("When a module's /metrics and the process's are read, then Prometheus' promtool finds nothing to complain about in either", async () => {
    expect(await promtoolCheckMetrics(await metricsText(alpha.url))).toEqual({ code: 0, output: '' });
    expect(await promtoolCheckMetrics(await metricsText(loneUrl))).toEqual({ code: 0, output: '' });
  });

  test('When metricsText is asked in and out of a module, then it serves the module registry plus process metrics, or the process registry as it is', async () => {
    const outside = await currentMetricsText();
    expect(outside).toContain('service="lone-service"');
    expect(outside).not.toContain('service="alpha-service"');
    const inside = await inModule('alpha-service', () => currentMetricsText());
    expect(inside).toContain('service="alpha-service"');
    expect(inside).not.toContain('service="lone-service"');
    expect(inside.endsWith('\n')).toBe(true);
    expect(typeLines(inside, 'microshop_process_cpu_user_seconds_total')).toBe(1);
  });
});

describe('Chassis metrics per module: registries, sets and gauges', () => {
  test('When registryOf is asked outside any module, then it is the process registry; inside, the module one, the same each time', () => {
    expect(registryOf()).toBe(metricsRegistry);
    const gamma = registryOf('gamma-service');
    expect(gamma).not.toBe(metricsRegistry);
    expect(registryOf('gamma-service')).toBe(gamma);
    expect(inModule('gamma-service', () => registryOf())).toBe(gamma);
    expect(registryOf('delta-service')).not.toBe(gamma);
  });

  test("When a per-registry set is used, then the process's is made at once, a module's on its first use, and each is reused", async () => {
    const made: unknown[] = [];
    const widgets = perRegistry((registry) => {
      made.push(registry);
      return { made: new Counter({ name: 'microshop_test_widgets_made_total', help: 'Widgets made', registers: [registry] }) };
    });
    expect(made).toEqual([metricsRegistry]);
    expect(widgets()).toBe(widgets());
    const inGamma = inModule('gamma-service', () => widgets());
    expect(made).toEqual([metricsRegistry, registryOf('gamma-service')]);
    expect(inModule('gamma-service', () => widgets())).toBe(inGamma);
    expect(inGamma).not.toBe(widgets());

    inModule('gamma-service', () => widgets().made.inc(5));
    widgets().made.inc(1);
    const value = async (registry: typeof metricsRegistry) => sampleSum(parseExposition(await registry.metrics()), 'microshop_test_widgets_made_total');
    expect(await value(registryOf('gamma-service'))).toBe(5);
    expect(await value(metricsRegistry)).toBe(1);
    expect(await value(registryOf('delta-service'))).toBe(0);
  });

  test('When a gauge is defined in two modules and outside, then each lives in its own registry, and defining it again returns the same one', async () => {
    const define = () => defineGauge({ name: 'test_queue_depth', help: 'Items waiting', labelNames: ['queue'] });
    const inEpsilon = inModule('epsilon-service', define);
    const inZeta = inModule('zeta-service', define);
    const outside = define();
    expect(inModule('epsilon-service', define)).toBe(inEpsilon);
    expect(inEpsilon).not.toBe(inZeta);
    expect(outside).not.toBe(inEpsilon);

    inEpsilon.set({ queue: 'mail' }, 3);
    inZeta.set({ queue: 'mail' }, 7);
    const depth = async (registry: typeof metricsRegistry) => sampleSum(parseExposition(await registry.metrics()), 'microshop_test_queue_depth', { queue: 'mail' });
    expect(await depth(registryOf('epsilon-service'))).toBe(3);
    expect(await depth(registryOf('zeta-service'))).toBe(7);
    expect(await depth(metricsRegistry)).toBe(0);
    expect(metricsRegistry.getSingleMetric('microshop_test_queue_depth')).toBe(outside);
  });

  test('When a gauge with a collect function is defined in a module, then it is collected at the scrape of that module only', async () => {
    let collected = 0;
    inModule('eta-service', () =>
      defineGauge({
        name: 'test_collected_items',
        help: 'Items counted at each scrape',
        collect: (gauge) => {
          collected++;
          gauge.set(11);
        },
      }),
    );
    expect(sampleSum(parseExposition(await inModule('eta-service', () => currentMetricsText())), 'microshop_test_collected_items')).toBe(11);
    expect(collected).toBe(1);
    expect(await currentMetricsText()).not.toContain('microshop_test_collected_items');
    expect(collected).toBe(1);
  });
});
