import type { AddressInfo } from 'node:net';
import type { ServiceClient, ServiceInstance } from '@microshop/chassis';
import type { Overview, ServiceName, ServiceSeries } from '@microshop/contracts';
import { buildOverview, buildSeries } from './figures.js';
import { createMetricsHistory, type Reading, type Target } from './history.js';
import { readSelf, readService } from './readings.js';

/** A service the gateway watches: its instances now, and a probe pinned to each. */
export interface WatchedService {
  service: ServiceName;
  instances(): readonly ServiceInstance[];
  probeOf(instance: ServiceInstance): ServiceClient;
}

/** How long an instance that left the lists still shows, as down, before it is dropped. */
export const GONE_SHOWN_MS = 60_000;

export interface LiveOverviewOptions {
  /** Every service watched besides the gateway itself, in the order to list them. */
  services: readonly WatchedService[];
  /** Time between two scrape rounds. */
  intervalMs: number;
  /** How much history to keep for the series, in seconds. */
  historyS: number;
  /** When the gateway started (epoch milliseconds), for its own uptime. */
  startedAt: number;
  now: () => number;
  /** The gateway's own instance id; default `gateway-<port>`. */
  instanceId?: string | undefined;
  /** How long a vanished instance shows as down (default {@link GONE_SHOWN_MS}). */
  goneShownMs?: number;
}

/** The gateway's live view of the system, fed by scraping every process at a fixed interval. */
export interface LiveOverview {
  /** Starts scraping (one round now, then every interval; never with an interval of 0). `self` is where the gateway itself listens. */
  start(self?: AddressInfo | string | null): void;
  /** Stops scraping, once the round in flight (if any) is done. */
  stop(): Promise<void>;
  /** Runs one scrape round now. */
  scrape(): Promise<void>;
  overview(windowS: number): Overview;
  series(service: ServiceName, windowS: number): ServiceSeries;
}

/** The port of an instance's URL; none for a module called in-process (`inproc://order-service`). */
const portOf = (url: string): number | null => {
  const { port, protocol } = new URL(url);
  if (port) return Number(port);
  if (protocol === 'inproc:') return null;
  return protocol === 'https:' ? 443 : 80;
};

/**
 * Scrapes the gateway itself and every instance of every service each `intervalMs` (their
 * `/health` and `/metrics`, in parallel, each within the probe budget; one round at a time), keeps
 * `historyS` seconds of rounds, and answers the overview and series from them. The instances are
 * read from the services' lists at every round: a new one is scraped from then on, one that left
 * shows as down for `goneShownMs` when it had stopped answering (killed, hung), then is dropped;
 * one that answered until it left (scaled down, drained) is dropped at once.
 *
 * @example
 * const live = createLiveOverview({ services, intervalMs: 2000, historyS: 600, startedAt: Date.now(), now: Date.now })
 * app.addHook('onListen', async () => live.start(app.server.address()))
 * live.overview(60)
 */
export function createLiveOverview({ services, intervalMs, historyS, startedAt, now, instanceId, goneShownMs = GONE_SHOWN_MS }: LiveOverviewOptions): LiveOverview {
  const history = createMetricsHistory(Math.max(2, Math.ceil((historyS * 1000) / Math.max(intervalMs, 100))));
  let self: Target = { service: 'gateway', id: instanceId ?? 'gateway', url: 'self', port: null };
  // Every instance seen, by URL, when it was last listed, and whether it answered its last scrape.
  const seen = new Map<string, { target: Target; listedAt: number; answered: boolean }>();
  const order: ServiceName[] = ['gateway', ...services.map((s) => s.service)];
  const byId = (a: Target, b: Target) => (a.id ?? a.url).localeCompare(b.id ?? b.url, 'en', { numeric: true });
  const targets = () => [self, ...services.flatMap(({ service }) => [...seen.values()].map((s) => s.target).filter((t) => t.service === service).sort(byId))];
  const intervalS = intervalMs / 1000;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const round = async () => {
    const at = now();
    const listed = services.flatMap((watched) =>
      watched.instances().map((instance) => ({ probe: watched.probeOf(instance), target: { service: watched.service, id: instance.id, url: instance.url, port: portOf(instance.url) } satisfies Target })),
    );
    const listedUrls = new Set(listed.map(({ target }) => target.url));
    for (const { target } of listed) seen.set(target.url, { target, listedAt: at, answered: seen.get(target.url)?.answered ?? true });
    const gone: Reading[] = [];
    for (const [url, { target, listedAt, answered }] of seen) {
      if (listedUrls.has(url)) continue;
      // One that answered until it left was scaled down or drained: it goes at once. One that had
      // stopped answering (killed, hung) and was then evicted shows as down for a while.
      if (answered || at - listedAt > goneShownMs) seen.delete(url);
      else gone.push({ target, status: 'down', detail: `${target.id ?? url} stopped answering and is no longer listed (evicted)` });
    }
    const readings: Reading[] = await Promise.all([
      readSelf(self, Math.round((at - startedAt) / 100) / 10),
      ...listed.map(({ target, probe }) => readService(target, probe)),
    ]);
    for (const reading of readings) {
      const entry = seen.get(reading.target.url);
      if (entry) entry.answered = reading.status === 'ok';
    }
    history.add(at, [...readings, ...gone]);
  };
  const scrape = () => {
    inFlight ??= round().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    start(address) {
      if (address && typeof address === 'object') {
        const host = address.address.includes(':') ? `[${address.address}]` : address.address;
        self = { service: 'gateway', id: instanceId ?? `gateway-${address.port}`, url: `http://${host}:${address.port}`, port: address.port };
      }
      if (timer || intervalMs <= 0) return;
      const tick = () => scrape().catch(() => undefined);
      void tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await inFlight?.catch(() => undefined);
    },
    scrape,
    overview: (windowS) => buildOverview(history, { targets: targets(), services: order, windowS, scrapeIntervalS: intervalS }),
    series: (service, windowS) => buildSeries(history, service, { windowS, scrapeIntervalS: intervalS }),
  };
}
