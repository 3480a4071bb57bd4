import type { BreakerState, Overview, OverviewEdge, OverviewInstance, OverviewService, ServiceName, ServiceSeries } from '@microshop/contracts';
import type { MetricsHistory, Target, Tick, TickEntry } from './history.js';
import type { Interval } from './interval.js';
import { addBuckets, quantileMs } from './quantile.js';
import type { Buckets, CallTotals } from './snapshot.js';

/** What one process did over a window: summed intervals, and how long they span. */
interface Usage {
  spanS: number;
  requests: number;
  serverErrors: number;
  clientErrors: number;
  latency: Buckets;
  calls: Record<string, CallTotals>;
}

type Figures = Pick<OverviewInstance, 'requests_per_s' | 'error_rate' | 'client_error_rate' | 'p50_ms' | 'p99_ms'>;

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const emptyBuckets = (): Buckets => ({ bounds: [], counts: [] });

/** Sums a process's intervals; the span runs from the earliest start to `now`, so a silent process's rates fall. */
function usageOf(intervals: readonly Interval[], now: number): Usage | undefined {
  if (intervals.length === 0) return undefined;
  const from = Math.min(...intervals.map((i) => i.from));
  const usage: Usage = { spanS: Math.max(now - from, 1) / 1000, requests: 0, serverErrors: 0, clientErrors: 0, latency: emptyBuckets(), calls: {} };
  for (const interval of intervals) {
    usage.requests += interval.requests;
    usage.serverErrors += interval.serverErrors;
    usage.clientErrors += interval.clientErrors;
    addBuckets(usage.latency, interval.latency);
    for (const [target, calls] of Object.entries(interval.calls)) {
      const sum = (usage.calls[target] ??= { calls: 0, failures: 0, latency: emptyBuckets() });
      sum.calls += calls.calls;
      sum.failures += calls.failures;
      addBuckets(sum.latency, calls.latency);
    }
  }
  return usage;
}

/** Per-second rates of several processes add up; their latencies merge bucket by bucket. */
function ratesOf(usages: readonly Usage[]): { requests: number; serverErrors: number; clientErrors: number; latency: Buckets } {
  const rates = { requests: 0, serverErrors: 0, clientErrors: 0, latency: emptyBuckets() };
  for (const usage of usages) {
    rates.requests += usage.requests / usage.spanS;
    rates.serverErrors += usage.serverErrors / usage.spanS;
    rates.clientErrors += usage.clientErrors / usage.spanS;
    addBuckets(rates.latency, usage.latency);
  }
  return rates;
}

/** The figures of one process or several together. */
function figuresOf(usages: readonly Usage[]): Figures {
  const { requests, serverErrors, clientErrors, latency } = ratesOf(usages);
  return {
    requests_per_s: round3(requests),
    error_rate: requests > 0 ? round3(serverErrors / requests) : 0,
    client_error_rate: requests > 0 ? round3(clientErrors / requests) : 0,
    p50_ms: quantileMs(0.5, latency),
    p99_ms: quantileMs(0.99, latency),
  };
}

const BREAKER_RANK: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** The worst of several instances' breaker states; undefined when none reports one. */
function worstBreaker(states: readonly (BreakerState | undefined)[]): BreakerState | undefined {
  let worst: BreakerState | undefined;
  for (const state of states) if (state && (!worst || BREAKER_RANK[state] > BREAKER_RANK[worst])) worst = state;
  return worst;
}

function edgeOf(from: string, to: string, usages: readonly Usage[]): OverviewEdge {
  let calls = 0;
  let failures = 0;
  const latency = emptyBuckets();
  for (const usage of usages) {
    const sum = usage.calls[to];
    if (!sum) continue;
    calls += sum.calls / usage.spanS;
    failures += sum.failures / usage.spanS;
    addBuckets(latency, sum.latency);
  }
  return {
    from,
    to,
    calls_per_s: round3(calls),
    error_rate: calls > 0 ? round3(failures / calls) : 0,
    p50_ms: quantileMs(0.5, latency),
    p99_ms: quantileMs(0.99, latency),
  };
}

function serviceStatus(instances: readonly OverviewInstance[], scraped: boolean): OverviewService['status'] {
  if (instances.length === 0) return scraped ? 'down' : 'unknown';
  const known = instances.filter((i) => i.status !== 'unknown');
  if (known.length === 0) return 'unknown';
  if (known.every((i) => i.status === 'ok')) return 'ok';
  return known.every((i) => i.status === 'down') ? 'down' : 'degraded';
}

/** Share of `part` in `whole` (0 when the whole is 0), rounded to 0.001. */
const shareOf = (part: number, whole: number) => (whole > 0 ? round3(part / whole) : 0);

/** Processes that are not part of the call graph: the registry is called by every process, by design, and draws no edge. */
const OFF_GRAPH = new Set<string>(['registry']);

const ticksWithin = (ticks: readonly Tick[], windowS: number): readonly Tick[] => {
  const latest = ticks.at(-1);
  return latest ? ticks.filter((tick) => tick.at > latest.at - windowS * 1000) : [];
};

const intervalsOf = (ticks: readonly Tick[], url: string): Interval[] =>
  ticks.flatMap((tick) => tick.entries.filter((e) => e.target.url === url && e.interval).map((e) => e.interval as Interval));

export interface OverviewOptions {
  /** Every process watched, in the order to list them (the gateway first, then the spec order). */
  targets: readonly Target[];
  /** Every service to list, in order, also one without any instance now; default: those of `targets`. */
  services?: readonly ServiceName[];
  windowS: number;
  scrapeIntervalS: number;
}

/**
 * The live overview from the scrape history: per process and per service, requests/s, error
 * rates and p50/p99 over the last `windowS` seconds; per caller→callee pair, calls/s, error rate
 * and p50/p99. A process that stopped answering shows as down, and its figures fade out of the
 * window as time passes.
 */
export function buildOverview(history: MetricsHistory, { targets, services: listed, windowS, scrapeIntervalS }: OverviewOptions): Overview {
  const all = history.ticks();
  const latest = all.at(-1);
  const now = latest?.at ?? 0;
  const recent = ticksWithin(all, windowS);
  const usageByUrl = new Map<string, Usage | undefined>(targets.map((t) => [t.url, usageOf(intervalsOf(recent, t.url), now)]));
  const latestEntry = (url: string): TickEntry | undefined => latest?.entries.find((e) => e.target.url === url);

  const services: OverviewService[] = [];
  for (const name of [...new Set([...(listed ?? []), ...targets.map((t) => t.service)])]) {
    const own = targets.filter((t) => t.service === name);
    const rateOf = (url: string) => {
      const usage = usageByUrl.get(url);
      return usage ? usage.requests / usage.spanS : 0;
    };
    const total = own.reduce((sum, t) => sum + rateOf(t.url), 0);
    const instances = own.map((target): OverviewInstance => {
      const entry = latestEntry(target.url);
      const { pid, lastSeen } = history.lastKnown(target.url);
      const usage = usageByUrl.get(target.url);
      return {
        id: target.id ?? target.url,
        url: target.url,
        port: target.port,
        status: entry?.status ?? 'unknown',
        pid,
        uptime_s: entry?.uptimeS ?? null,
        last_seen: lastSeen === null ? null : new Date(lastSeen).toISOString(),
        ...(entry?.detail ? { detail: entry.detail } : {}),
        ...figuresOf(usage ? [usage] : []),
        share: shareOf(rateOf(target.url), total),
      };
    });
    const usages = own.flatMap((t) => usageByUrl.get(t.url) ?? []);
    services.push({ name, status: serviceStatus(instances, latest !== undefined), ...figuresOf(usages), instances });
  }

  const pairs = new Map<string, { from: ServiceName; to: string }>();
  for (const tick of all) {
    for (const entry of tick.entries) {
      for (const to of Object.keys(entry.interval?.calls ?? {})) {
        // A process calling itself (the gateway's traffic generator enters by its own public door) is not an edge.
        if (to !== entry.target.service && !OFF_GRAPH.has(to) && !OFF_GRAPH.has(entry.target.service)) pairs.set(`${entry.target.service} ${to}`, { from: entry.target.service, to });
      }
    }
  }
  const order = (name: string) => targets.findIndex((t) => t.service === name);
  const edges = [...pairs.values()]
    .sort((a, b) => order(a.from) - order(b.from) || order(a.to) - order(b.to) || a.to.localeCompare(b.to))
    .map(({ from, to }) => {
      const edge = edgeOf(from, to, targets.filter((t) => t.service === from).flatMap((t) => usageByUrl.get(t.url) ?? []));
      const callers = latest?.entries.filter((e) => e.target.service === from) ?? [];
      const breaker = worstBreaker(callers.map((e) => e.breakers?.[to]));
      const limits = callers.flatMap((e) => (e.limits?.[to] === undefined ? [] : [e.limits[to]]));
      return { ...edge, ...(breaker ? { breaker } : {}), ...(limits.length ? { concurrency_limit: limits.reduce((a, b) => a + b, 0) } : {}) };
    });

  const spans = [...usageByUrl.values()].flatMap((u) => (u ? [u.spanS] : []));
  return {
    generated_at: new Date(now).toISOString(),
    window_s: spans.length ? Math.round(Math.min(windowS, Math.max(...spans)) * 10) / 10 : 0,
    scrape_interval_s: scrapeIntervalS,
    services,
    edges,
  };
}

/**
 * One service's figures per scrape round over the last `windowS` seconds, as columns: each point
 * sums the service's instances over the interval ending at that round; `null` where none could be read.
 */
export function buildSeries(history: MetricsHistory, service: ServiceName, { windowS, scrapeIntervalS }: Omit<OverviewOptions, 'targets'>): ServiceSeries {
  const series: ServiceSeries = {
    service,
    window_s: windowS,
    step_s: scrapeIntervalS,
    time: [],
    requests_per_s: [],
    errors_per_s: [],
    client_errors_per_s: [],
    p50_ms: [],
    p99_ms: [],
  };
  for (const tick of ticksWithin(history.ticks(), windowS)) {
    const intervals = tick.entries.filter((e) => e.target.service === service && e.interval).map((e) => e.interval as Interval);
    series.time.push(Math.round(tick.at / 100) / 10);
    if (intervals.length === 0) {
      for (const column of [series.requests_per_s, series.errors_per_s, series.client_errors_per_s, series.p50_ms, series.p99_ms]) column.push(null);
      continue;
    }
    const rates = ratesOf(intervals.flatMap((interval) => usageOf([interval], interval.to) ?? []));
    series.requests_per_s.push(round3(rates.requests));
    series.errors_per_s.push(round3(rates.serverErrors));
    series.client_errors_per_s.push(round3(rates.clientErrors));
    series.p50_ms.push(quantileMs(0.5, rates.latency));
    series.p99_ms.push(quantileMs(0.99, rates.latency));
  }
  return series;
}
