import type { BreakerState, ServiceName } from '@microshop/contracts';
import { intervalBetween, type Interval, type StampedSnapshot } from './interval.js';
import type { MetricSnapshot } from './snapshot.js';

/** One process the gateway watches. */
export interface Target {
  service: ServiceName;
  /** Its instance id (`order-service-2`); default: its URL. */
  id?: string | undefined;
  url: string;
  port: number | null;
}

/** What one scrape of one process found. */
export interface Reading {
  target: Target;
  /** `ok` when its health check answered 200 ok. */
  status: 'ok' | 'down';
  pid?: number | undefined;
  uptimeS?: number | undefined;
  /** Why it is down, or why its metrics could not be read. */
  detail?: string | undefined;
  /** Its counters, when `/metrics` could be read. */
  snapshot?: MetricSnapshot | undefined;
}

/** A reading as kept in the history: the snapshot replaced by the increase since the previous one. */
export interface TickEntry {
  target: Target;
  status: 'ok' | 'down';
  pid: number | null;
  uptimeS: number | null;
  detail?: string | undefined;
  /** Counter increases since this process's previous readable scrape; absent for the first one or when unreadable. */
  interval?: Interval | undefined;
  /** Its circuit breakers at this scrape, by neighbour (absent when its metrics could not be read). */
  breakers?: Record<string, BreakerState> | undefined;
  /** Its bulkheads' limits at this scrape, by neighbour (absent when its metrics could not be read). */
  limits?: Record<string, number> | undefined;
}

/** Every process's reading at one scrape round. */
export interface Tick {
  at: number;
  entries: TickEntry[];
}

/** What is remembered of a process between rounds. */
interface Memory {
  last?: StampedSnapshot;
  pid: number | null;
  lastSeen: number | null;
}

/** The last scrape rounds, oldest first, bounded; and what was last known of each process. */
export interface MetricsHistory {
  /** Adds one round of readings taken at `at` (epoch milliseconds); drops the oldest round beyond the capacity. */
  add(at: number, readings: readonly Reading[]): void;
  ticks(): readonly Tick[];
  /** When the process at `url` last answered its health check, and the pid it gave. */
  lastKnown(url: string): { pid: number | null; lastSeen: number | null };
}

/**
 * A ring of scrape rounds. Each entry keeps only what the figures need: the counter increases since
 * the process's previous scrape (restarts handled in {@link intervalBetween}), never raw totals.
 *
 * @example
 * const history = createMetricsHistory(300)
 * history.add(Date.now(), readings)
 */
export function createMetricsHistory(capacity: number): MetricsHistory {
  const ticks: Tick[] = [];
  const memory = new Map<string, Memory>();

  return {
    add(at, readings) {
      const entries = readings.map((reading): TickEntry => {
        const known = memory.get(reading.target.url) ?? { pid: null, lastSeen: null };
        let interval: Interval | undefined;
        if (reading.snapshot) {
          const current = { at, snapshot: reading.snapshot };
          if (known.last) interval = intervalBetween(known.last, current);
          known.last = current;
        }
        if (reading.status === 'ok') known.lastSeen = at;
        if (reading.pid !== undefined) known.pid = reading.pid;
        memory.set(reading.target.url, known);
        return {
          target: reading.target,
          status: reading.status,
          pid: known.pid,
          uptimeS: reading.status === 'ok' ? (reading.uptimeS ?? null) : null,
          ...(reading.detail ? { detail: reading.detail } : {}),
          ...(interval ? { interval } : {}),
          ...(reading.snapshot ? { breakers: reading.snapshot.breakers, limits: reading.snapshot.limits } : {}),
        };
      });
      ticks.push({ at, entries });
      if (ticks.length > capacity) ticks.splice(0, ticks.length - capacity);
    },
    ticks: () => ticks,
    lastKnown(url) {
      const known = memory.get(url);
      return { pid: known?.pid ?? null, lastSeen: known?.lastSeen ?? null };
    },
  };
}
