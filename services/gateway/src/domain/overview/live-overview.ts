import type { AddressInfo } from 'node:net';
import type { ServiceClient } from '@microshop/chassis';
import type { BackendName, Overview, ServiceName, ServiceSeries } from '@microshop/contracts';
import { buildOverview, buildSeries } from './figures.js';
import { createMetricsHistory, type Reading, type Target } from './history.js';
import { readSelf, readService } from './readings.js';

/** A service the gateway watches: where it is and the probe client that reaches it. */
export interface WatchedService {
  service: BackendName;
  url: string;
  probe: ServiceClient;
}

export interface LiveOverviewOptions {
  services: readonly WatchedService[];
  /** Time between two scrape rounds. */
  intervalMs: number;
  /** How much history to keep for the series, in seconds. */
  historyS: number;
  /** When the gateway started (epoch milliseconds), for its own uptime. */
  startedAt: number;
  now: () => number;
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

const portOf = (url: string): number | null => {
  const { port, protocol } = new URL(url);
  if (port) return Number(port);
  return protocol === 'https:' ? 443 : 80;
};

/**
 * Scrapes the gateway itself and every service each `intervalMs` (the services' `/health` and
 * `/metrics`, in parallel, each within the probe budget; one round at a time), keeps `historyS`
 * seconds of rounds, and answers the overview and series from them.
 *
 * @example
 * const live = createLiveOverview({ services, intervalMs: 2000, historyS: 600, startedAt: Date.now(), now: Date.now })
 * app.addHook('onListen', async () => live.start(app.server.address()))
 * live.overview(60)
 */
export function createLiveOverview({ services, intervalMs, historyS, startedAt, now }: LiveOverviewOptions): LiveOverview {
  const history = createMetricsHistory(Math.max(2, Math.ceil((historyS * 1000) / Math.max(intervalMs, 100))));
  const watched = services.map((s) => ({ probe: s.probe, target: { service: s.service, url: s.url, port: portOf(s.url) } satisfies Target }));
  let self: Target = { service: 'gateway', url: 'self', port: null };
  const targets = () => [self, ...watched.map((w) => w.target)];
  const intervalS = intervalMs / 1000;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const round = async () => {
    const at = now();
    const readings: Reading[] = await Promise.all([
      readSelf(self, Math.round((at - startedAt) / 100) / 10),
      ...watched.map(({ target, probe }) => readService(target, probe)),
    ]);
    history.add(at, readings);
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
        self = { service: 'gateway', url: `http://${host}:${address.port}`, port: address.port };
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
    overview: (windowS) => buildOverview(history, { targets: targets(), windowS, scrapeIntervalS: intervalS }),
    series: (service, windowS) => buildSeries(history, service, { windowS, scrapeIntervalS: intervalS }),
  };
}
