import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TopologyComparison } from '@microshop/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_RATE, parseBenchArgs } from '../src/args.js';
import { describeWarmUp, LEVEL_WINDOWS, levelledOff, percentile, runLoad, runOpenLoad, warmUp, WARMUP_CONNECTIONS, warmUpSaying } from '../src/load.js';
import { SCENARIOS } from '../src/scenarios.js';
import { startWithRetry } from '../src/system.js';
import { idleShare, loadsOf, settle, TOPOLOGIES, TOPOLOGY_SCENARIOS } from '../src/topologies.js';
import { formatTopologyTable, renderTopologySvg, summariseTopology, topologyRatio, type TopologyRun } from '../src/topology-report.js';

const run = (over: Partial<TopologyRun> = {}): TopologyRun => ({
  requestsPerSecond: 1000,
  p50Ms: 8,
  p99Ms: 20,
  errors: 0,
  requests: 10_000,
  unsent: 0,
  cpuSecondsByProcess: { 'gateway-1': 5, 'order-service-1': 4 },
  cpuSecondsUnderLoad: 9,
  wallSeconds: 10,
  rssBytes: 600 * 1024 * 1024,
  ...over,
});

describe('The topology comparison: options', () => {
  test('When --compare-topologies or --compare topologies is given, then every flow runs in both topologies, closed loop and at the default rate', () => {
    for (const argv of [['--compare-topologies'], ['--compare', 'topologies']]) {
      const args = parseBenchArgs(argv);
      expect(args).toMatchObject({ topologies: true, compare: 'topologies', scenarios: [...TOPOLOGY_SCENARIOS], ratePerSecond: DEFAULT_RATE, connections: 10 });
    }
    expect(DEFAULT_RATE).toBe(25);
    expect(TOPOLOGY_SCENARIOS.every((name) => SCENARIOS[name])).toBe(true);
    expect(TOPOLOGIES.map((t) => [t.name, t.args])).toEqual([
      ['microservices', []],
      ['monolith', ['--monolith']],
    ]);
  });

  test('When scenarios, a rate or no rate are chosen, then they are used; a bad one is named', () => {
    const args = parseBenchArgs(['--compare-topologies', '--scenario', 'pay-order,list-orders', '--rate', '50', '--connections', '20']);
    expect(args).toMatchObject({ scenarios: ['pay-order', 'list-orders'], ratePerSecond: 50 });
    expect(args !== 'help' && loadsOf(args)).toEqual([
      { mode: 'closed', connections: 20, rate_per_s: null },
      { mode: 'open', connections: 20, rate_per_s: 50 },
    ]);
    const closedOnly = parseBenchArgs(['--compare-topologies', '--rate', '0']);
    expect(closedOnly !== 'help' && loadsOf(closedOnly)).toEqual([{ mode: 'closed', connections: 10, rate_per_s: null }]);
    expect(() => parseBenchArgs(['--compare-topologies', '--scenario', 'get-product,nope'])).toThrow(/--scenario .*"nope"/);
    expect(() => parseBenchArgs(['--compare-topologies', '--rate', 'fast'])).toThrow(/--rate/);
    expect(() => parseBenchArgs(['--scenario', 'get-product,pay-order'])).toThrow(/--scenario takes one name/);
    expect(() => parseBenchArgs(['--compare-topologies', '--compare', 'tracing'])).toThrow(/--compare-topologies/);
    // The new flows run alone too, as the other scenarios do.
    expect(parseBenchArgs(['--scenario', 'pay-order'])).toMatchObject({ scenario: 'pay-order', topologies: false, compare: null });
  });
});

describe('The topology comparison: starting a system', () => {
  test('When a start fails once, then it is tried once more; when it fails twice, the run stops with the second error', async () => {
    const retried: unknown[] = [];
    let calls = 0;
    const flaky = () => (++calls === 1 ? Promise.reject(new Error('did not become healthy')) : Promise.resolve('system'));
    await expect(startWithRetry(flaky, (e) => retried.push(e), async () => undefined)).resolves.toBe('system');
    expect(retried).toHaveLength(1);
    let attempts = 0;
    const broken = () => Promise.reject(new Error(`attempt ${++attempts}`));
    await expect(startWithRetry(broken, () => undefined, async () => undefined)).rejects.toThrow('attempt 2');
  });
});

describe('The topology comparison: settling', () => {
  test('When the processes are idle, then the system counts as settled at once; it never waits past its bound', async () => {
    const started = Date.now();
    await settle([process.pid], 3000, { intervalMs: 100 });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  /** A child process that keeps one core busy until it is killed. */
  const spinner = () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });

  test('When a process keeps busy, then its background is measured, and the settle waits for the usage to come back near that background, not under 10 % of a core', async () => {
    const busy = spinner();
    try {
      const pid = busy.pid ?? 0;
      // Busy: far above the 10 % mark (even on a loaded machine it gets a good part of a core).
      const background = await idleShare([pid], 2, 300);
      expect(background).toBeGreaterThan(0.2);
      expect(await idleShare([process.pid], 2, 300)).toBeLessThan(background);

      // Measured against 10 % of a core, it never settles: the wait runs to its bound.
      let started = Date.now();
      await settle([pid], 1500, { intervalMs: 200 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);

      // Measured against its own background (a whole core here, so that any share it gets is within the mark), it settles at once.
      started = Date.now();
      await settle([pid], 5000, { baseline: 1, intervalMs: 200 });
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      busy.kill('SIGKILL');
    }
  });
});

describe('The topology comparison: the report', () => {
  test('When rounds are summarised, then latency and throughput are medians, CPU is per request and per core, summed over the processes', () => {
    const figures = summariseTopology([run(), run({ requestsPerSecond: 1200, p99Ms: 30, requests: 12_000 }), run({ requestsPerSecond: 800, errors: 2, unsent: 4, requests: 8_000 })]);
    expect(figures).toMatchObject({ requests_per_s: 1000, p99_ms: 20, errors: 2, unsent: 4, requests: 30_000, rss_mib: 600, cpu_percent: 90 });
    // 27 CPU seconds over 30,000 requests.
    expect(figures.cpu_ms_per_request).toBeCloseTo(0.9, 6);
    expect(figures.cpu_ms_per_request_by_process).toEqual({ gateway: 0.5, 'order-service': 0.4 });
    expect(figures.processes).toEqual(['gateway-1', 'order-service-1']);
    expect(figures.rounds).toHaveLength(3);
  });

  test('When the topologies are compared, then each ratio is monolith over microservices, and null where the baseline is 0', () => {
    const micro = summariseTopology([run()]);
    const mono = summariseTopology([run({ requestsPerSecond: 2000, p50Ms: 4, p99Ms: 10, requests: 20_000, cpuSecondsByProcess: { 'monolith-1': 9 }, rssBytes: 300 * 1024 * 1024 })]);
    expect(topologyRatio(micro, mono)).toEqual({ requests_per_s: 2, p50_ms: 0.5, p99_ms: 0.5, cpu_ms_per_request: 0.5, cpu_percent: 1, rss_mib: 0.5 });
    expect(topologyRatio({ ...micro, p50_ms: 0 }, mono).p50_ms).toBeNull();
  });

  const report = (): TopologyComparison => {
    const micro = summariseTopology([run()]);
    const mono = summariseTopology([run({ requestsPerSecond: 2000, p99Ms: 10, requests: 20_000 })]);
    const open = { mode: 'open' as const, connections: 10, rate_per_s: 100 };
    return {
      comparison: 'topologies',
      command: 'npm run bench -- --compare-topologies',
      started_at: '2026-01-01T00:00:00.000Z',
      finished_at: '2026-01-01T00:05:00.000Z',
      machine: { cpus: 2, node: 'v20', pinned: true },
      settings: { duration_s: 5, warmup_s: 2, rounds: 2, connections: 10, rate_per_s: 100 },
      topologies: TOPOLOGIES.map(({ name, description, start }) => ({ name, description, start })),
      results: [
        { scenario: 'get-product', description: 'GET', load: { mode: 'closed', connections: 10, rate_per_s: null }, microservices: micro, monolith: mono, ratio: topologyRatio(micro, mono) },
        { scenario: 'get-product', description: 'GET', load: open, microservices: micro, monolith: mono, ratio: topologyRatio(micro, mono) },
      ],
    };
  };

  test('When the comparison is printed, then each scenario and load has a row per topology and a row of ratios', () => {
    const table = formatTopologyTable(report());
    expect(table).toMatch(/get-product\s+closed, 10 conn\.\s+microservices\s+1000\s+8\.0\s+20\.0\s+0\s+0\s+0\.90\s+90\s+600/);
    expect(table).toMatch(/\n\s+monolith\s+2000\s+8\.0\s+10\.0/);
    expect(table).toMatch(/monolith\/micro\s+2\.00×\s+1\.00×\s+0\.50×/);
    expect(table).toMatch(/open, 100 req\/s\s+microservices/);
  });

  test('When the chart is drawn, then it has grouped bars for throughput and p99 in the closed loop and p99 at the offered rate', () => {
    const svg = renderTopologySvg(report());
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Throughput, closed loop (10 connections)');
    expect(svg).toContain('p99 latency at 100 req/s offered (open loop)');
    const bars = [...svg.matchAll(/<rect x="130" y="\d+" width="([\d.]+)" height="16" fill="(#[0-9a-f]+)"/g)].map((m) => [Number(m[1]), m[2]]);
    expect(bars).toHaveLength(6);
    // Throughput: the monolith's bar (the second) is twice the microservices'.
    expect(Number(bars[1]?.[0])).toBeCloseTo(2 * Number(bars[0]?.[0]), 0);
    expect(bars[0]?.[1]).not.toBe(bars[1]?.[1]);
  });
});

describe('The load generator', () => {
  let server: http.Server;
  let base: string;
  const seen: { path: string; body: string }[] = [];
  let nextId = 0;
  let flaky = 0;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ path: request.url ?? '', body });
        response.setHeader('content-type', 'application/json');
        // Every other request to /flaky is refused at once, as an open breaker would.
        if (request.url === '/flaky' && ++flaky % 2 === 0) {
          response.statusCode = 503;
          response.end('{}');
          return;
        }
        setTimeout(() => response.end(JSON.stringify({ id: ++nextId })), 2);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const flow = () => ({
    url: `${base}/orders`,
    method: 'POST' as const,
    body: '{"quantity":1}',
    then: { method: 'POST' as const, url: `${base}/payments`, body: (order: unknown) => JSON.stringify({ order_id: (order as { id: number }).id }) },
  });

  test('When a rate is offered, then requests start on schedule whatever the answers, a flow of two at half the rate, each payment for the order just made', async () => {
    seen.length = 0;
    const result = await runOpenLoad({ ...flow(), ratePerSecond: 80, connections: 10, durationSeconds: 1 });
    expect(result.errors).toBe(0);
    expect(result.unsent).toBe(0);
    // 40 flows of two requests in one second (the scheduler may fit in one more).
    expect(result.requests).toBeGreaterThanOrEqual(78);
    expect(result.requests).toBeLessThanOrEqual(82);
    expect(result.p50Ms).toBeGreaterThanOrEqual(2);
    const orders = seen.filter((s) => s.path === '/orders').length;
    const payments = seen.filter((s) => s.path === '/payments');
    expect(payments).toHaveLength(orders);
    expect(payments.every((p) => /^\{"order_id":\d+\}$/.test(p.body))).toBe(true);
  });

  test('When a system is warmed up, then it gets the same requests on at most five connections, however many the measurement uses', async () => {
    // A server of its own: the stragglers of a 50-connection load never reach the other tests' counts.
    let inFlight = 0;
    let mostInFlight = 0;
    const own = http.createServer((request, response) => {
      mostInFlight = Math.max(mostInFlight, ++inFlight);
      response.on('close', () => inFlight--);
      request.resume().on('end', () => setTimeout(() => response.end('{}'), 2));
    });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(own.address() as AddressInfo).port}/warm`;
    try {
      const result = await warmUp({ url, method: 'GET' }, 50, { maxSeconds: 1 });
      expect(result.requests).toBeGreaterThan(100);
      expect(mostInFlight).toBeLessThanOrEqual(WARMUP_CONNECTIONS);
      await expect.poll(() => inFlight, { timeout: 5000 }).toBe(0);
      mostInFlight = 0;
      await runLoad({ url, method: 'GET', connections: 50, durationSeconds: 1 });
      expect(mostInFlight).toBeGreaterThan(WARMUP_CONNECTIONS * 2);
    } finally {
      own.closeAllConnections();
      await new Promise<void>((resolve) => own.close(() => resolve()));
    }
  });

  test('When a warm-up runs, then it ends once the rate has stopped climbing, not after a fixed time, and says so', async () => {
    // A server that answers slowly for its first 3 s, as a system the JIT has not compiled yet does, then at full speed.
    const startedAt = Date.now();
    const own = http.createServer((request, response) => {
      request.resume().on('end', () => setTimeout(() => response.end('{}'), Date.now() - startedAt < 3000 ? 40 : 2));
    });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(own.address() as AddressInfo).port}/warming`;
    try {
      const result = await warmUp({ url, method: 'GET' }, 50, { maxSeconds: 30 });
      // Three slow windows, then the fast ones until LEVEL_WINDOWS of them show no more gain: it
      // ended on its own, before its longest. (How fast the fast windows are, and how many it takes
      // them to level, depend on how busy the machine is: the bounds below do not.)
      expect(result.levelled).toBe(true);
      expect(result.seconds).toBeGreaterThanOrEqual(3 + LEVEL_WINDOWS);
      expect(result.seconds).toBeLessThan(30);
      expect(result.rates.slice(0, 2).every((rate) => rate < 200)).toBe(true);
      expect(Math.max(...result.rates)).toBeGreaterThan(4 * Math.max(...result.rates.slice(0, 2)));
      expect(describeWarmUp(result)).toMatch(/^warmed up in \d+ s \(the rate levelled off at \d+\/s\)$/);
      // At least minSeconds, however level; at most maxSeconds, however steep.
      const level = await warmUp({ url, method: 'GET' }, 50, { minSeconds: LEVEL_WINDOWS + 3, maxSeconds: 30 });
      expect(level.seconds).toBeGreaterThanOrEqual(LEVEL_WINDOWS + 3);
      expect(level.levelled).toBe(true);
      const cut = await warmUp({ url, method: 'GET' }, 50, { maxSeconds: 2 });
      expect(cut).toMatchObject({ seconds: 2, levelled: false });
      expect(describeWarmUp(cut)).toMatch(/its longest/);
    } finally {
      own.closeAllConnections();
      await new Promise<void>((resolve) => own.close(() => resolve()));
    }
  }, 120_000);

  test('When the bench warms a system up, then it says each window and how the warm-up ended; with --warmup 0 it does nothing', async () => {
    const lines: string[] = [];
    await warmUpSaying({ url: `${base}/plain`, method: 'GET' }, 50, 0, (line) => lines.push(line), 'here');
    expect(lines).toEqual([]);
    await warmUpSaying({ url: `${base}/plain`, method: 'GET' }, 50, 2, (line) => lines.push(line), 'here');
    expect(lines.length).toBeGreaterThanOrEqual(LEVEL_WINDOWS + 2);
    expect(lines.at(-1)).toMatch(/^here: warmed up (in|for) \d+ s/);
    for (const line of lines.slice(0, -1)) expect(line).toMatch(/^here: warming up at 5 connections until the rate levels off: \d+ s, \d+\/s$/);
  }, 90_000);

  test('The rate has levelled off when the best of the last windows is within 5 % of the best before them', () => {
    // Create-order on a freshly started Microshop, 5 connections, 1 s windows (2026-11-30).
    const measured = [103, 114, 131, 140, 154, 149, 190, 191, 230, 230, 281, 264, 278, 304, 389, 370, 350, 335, 452, 424, 466, 395, 471, 453, 416, 463, 487, 467, 487, 460];
    const firstLevel = measured.findIndex((_, i) => levelledOff(measured.slice(0, i + 1))) + 1;
    // Not during the stall at 15-18 s, a fixed 5 s warm-up would have stopped at a third of the speed.
    expect(firstLevel).toBe(24);
    expect(levelledOff([500, 500, 500, 500, 500])).toBe(false);
    expect(levelledOff([500, 500, 500, 500, 500, 500])).toBe(true);
    expect(levelledOff([500, 100, 100, 100, 100, 100])).toBe(true);
    expect(levelledOff([400, 500, 500, 500, 500, 500])).toBe(false);
  });

  test('When an open-loop run reports no progress, then it still ends on time', async () => {
    const started = performance.now();
    const result = await runOpenLoad({ url: `${base}/plain`, method: 'GET', ratePerSecond: 50, connections: 5, durationSeconds: 2 });
    expect(result.requests).toBeGreaterThanOrEqual(95);
    expect(performance.now() - started).toBeLessThan(5000);
  }, 10_000);

  test('When some answers are refusals, then throughput counts only the 2xx answers, closed and open loop, and the refusals are errors', async () => {
    for (const load of [() => runLoad({ url: `${base}/flaky`, method: 'GET', connections: 2, durationSeconds: 1 }), () => runOpenLoad({ url: `${base}/flaky`, method: 'GET', ratePerSecond: 100, connections: 10, durationSeconds: 1 })]) {
      seen.length = 0;
      const result = await load();
      const sent = seen.length;
      // Half the answers were 503: they are errors, and neither requests nor req/s count them.
      expect(result.errors).toBeGreaterThanOrEqual(Math.floor(sent / 2) - 1);
      expect(result.requests + result.errors).toBeGreaterThanOrEqual(sent - 2);
      expect(result.requests).toBeLessThanOrEqual(Math.ceil(sent / 2) + 1);
      expect(result.requestsPerSecond).toBeGreaterThan(0);
      expect(result.requestsPerSecond).toBeLessThanOrEqual((Math.ceil(sent / 2) + 1) / 0.9);
    }
  });

  test('When a flow runs closed loop, then every payment follows its order on the same connection', async () => {
    seen.length = 0;
    const result = await runLoad({ ...flow(), connections: 2, durationSeconds: 1 });
    expect(result.errors).toBe(0);
    expect(result.requests).toBeGreaterThan(20);
    const payments = seen.filter((s) => s.path === '/payments');
    expect(payments.length).toBeGreaterThan(10);
    expect(payments.every((p) => /^\{"order_id":\d+\}$/.test(p.body))).toBe(true);
    expect(Math.abs(seen.filter((s) => s.path === '/orders').length - payments.length)).toBeLessThanOrEqual(2);
  });

  /** A shopper's flow of four: look at the list, order, pay for that order, look at the order list (no body). */
  const chain = () => ({
    url: `${base}/products`,
    method: 'GET' as const,
    then: {
      method: 'POST' as const,
      url: `${base}/orders`,
      body: () => '{"quantity":1}',
      then: { method: 'POST' as const, url: `${base}/payments`, body: (order: unknown) => JSON.stringify({ order_id: (order as { id: number }).id }), then: { method: 'GET' as const, url: `${base}/orders` } },
    },
  });

  test('When a flow of four runs closed and open loop, then its requests go in order, each payment for the order just made, the GETs without a body', async () => {
    for (const load of [() => runLoad({ ...chain(), connections: 1, durationSeconds: 1 }), () => runOpenLoad({ ...chain(), ratePerSecond: 80, connections: 10, durationSeconds: 1 })]) {
      // A request of the run before still on its way lands before the slate is cleaned, not after.
      await new Promise((resolve) => setTimeout(resolve, 200));
      seen.length = 0;
      const result = await load();
      expect(result.errors).toBe(0);
      expect(result.requests).toBeGreaterThan(8);
      const paths = seen.map((s) => `${s.path}`);
      const payments = seen.filter((s) => s.path === '/payments');
      expect(payments.length).toBeGreaterThan(2);
      for (const [i, payment] of seen.entries()) {
        if (payment.path !== '/payments') continue;
        // On one connection (closed loop) the payment comes right after its order, and names the id that order was given.
        const order = seen.slice(0, i).reverse().find((s) => s.path === '/orders' && s.body !== '');
        expect(payment.body).toMatch(/^\{"order_id":\d+\}$/);
        expect(order).toBeDefined();
      }
      expect(seen.filter((s) => s.path === '/products').every((s) => s.body === '')).toBe(true);
      // Every flow runs its steps in order: no more lists after orders than orders, no more payments than orders.
      expect(paths.filter((p) => p === '/orders').length).toBeGreaterThanOrEqual(payments.length);
    }
  });

  test('Percentiles are by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([], 0.99)).toBe(0);
  });
});
