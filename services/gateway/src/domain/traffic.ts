import { AppError } from '@microshop/chassis';
import type { StartTraffic, TrafficCounts, TrafficOperation, TrafficRun } from '@microshop/contracts';
import { learn, newShopMemory, nextRequest, type ShopMemory, type TrafficAnswer, type TrafficRequest } from './traffic-scenario.js';

/** Sends one request through the gateway's public API and resolves with its answer; rejects when none came. */
export type SendTrafficRequest = (request: TrafficRequest) => Promise<TrafficAnswer>;

export interface TrafficOptions {
  send: SendTrafficRequest;
  /** Clock in milliseconds. */
  now?: () => number;
  /** Source of randomness for the browsing mix, in [0, 1). */
  random?: () => number;
  /** Requests allowed in flight at once; a request due beyond that is skipped and counted. */
  maxInFlight?: number;
  /** How often the generator wakes to send what is due. */
  tickMs?: number;
}

/** The traffic generator: one bounded run at a time. */
export interface TrafficGenerator {
  /** Starts a run; a 409 problem when one is running. */
  start(request: StartTraffic): TrafficRun;
  /** The current or last run. */
  status(): TrafficRun;
  /** Stops the running run (nothing when none runs) and returns it. */
  stop(): TrafficRun;
  /** Stops, and resolves once every request in flight has been answered. */
  close(): Promise<void>;
}

interface Run {
  rate: number;
  durationMs: number;
  startedAt: number;
  endedAt: number | undefined;
  state: 'running' | 'completed' | 'stopped';
  sent: number;
  inFlight: number;
  skipped: number;
  operations: Map<TrafficOperation, TrafficCounts>;
  lastError: string | null;
  memory: ShopMemory;
  timer: NodeJS.Timeout | undefined;
}

const emptyCounts = (): TrafficCounts => ({ sent: 0, ok: 0, failed: 0 });

function summarize(run: Run | undefined, now: number): TrafficRun {
  if (!run) {
    return {
      state: 'idle', rate: 0, duration_s: 0, started_at: null, ended_at: null, elapsed_s: 0, progress: 0,
      in_flight: 0, skipped: 0, totals: emptyCounts(), operations: {}, last_error: null,
    };
  }
  const elapsedMs = Math.min((run.endedAt ?? now) - run.startedAt, run.durationMs);
  const totals = emptyCounts();
  for (const counts of run.operations.values()) {
    totals.sent += counts.sent;
    totals.ok += counts.ok;
    totals.failed += counts.failed;
  }
  return {
    state: run.state,
    rate: run.rate,
    duration_s: run.durationMs / 1000,
    started_at: new Date(run.startedAt).toISOString(),
    ended_at: run.endedAt === undefined ? null : new Date(run.endedAt).toISOString(),
    elapsed_s: Math.round(elapsedMs / 100) / 10,
    progress: Math.round((elapsedMs / run.durationMs) * 1000) / 1000,
    in_flight: run.inFlight,
    skipped: run.skipped,
    totals,
    operations: Object.fromEntries(run.operations),
    last_error: run.lastError,
  };
}

/**
 * Creates the gateway's traffic generator: a run sends `rate` requests per second for
 * `duration_s` seconds, as shoppers would (browse products, look at orders, place orders, pay most
 * of them), each one a real request through the gateway's public API so that it is measured and
 * traced like any other. Requests go out on a steady schedule whatever the answers take; at most
 * `maxInFlight` wait for an answer at once, and a request due beyond that is skipped and counted.
 *
 * @example
 * const traffic = createTrafficGenerator({ send })
 * traffic.start({ rate: 10, duration_s: 60 })
 * traffic.status() // { state: 'running', progress: 0.05, totals: { sent: 30, ok: 30, failed: 0 }, … }
 */
export function createTrafficGenerator({ send, now = Date.now, random = Math.random, maxInFlight = 100, tickMs = 50 }: TrafficOptions): TrafficGenerator {
  let current: Run | undefined;
  const pending = new Set<Promise<void>>();

  const finish = (run: Run, state: 'completed' | 'stopped') => {
    if (run.state !== 'running') return;
    clearInterval(run.timer);
    run.timer = undefined;
    run.state = state;
    run.endedAt = Math.min(now(), run.startedAt + run.durationMs);
  };

  const sendOne = (run: Run) => {
    const request = nextRequest(run.memory, random);
    const counts = run.operations.get(request.operation) ?? emptyCounts();
    run.operations.set(request.operation, counts);
    counts.sent++;
    run.sent++;
    run.inFlight++;
    const done = send(request)
      .then((answer) => {
        learn(run.memory, request, answer, random);
        if (answer.status >= 200 && answer.status < 400) counts.ok++;
        else {
          counts.failed++;
          run.lastError = `${request.method} ${request.path} → ${answer.status}`;
        }
      })
      .catch((error: unknown) => {
        learn(run.memory, request, { status: 0, body: undefined }, random);
        counts.failed++;
        run.lastError = `${request.method} ${request.path} → ${error instanceof Error ? error.message : String(error)}`;
      })
      .finally(() => {
        run.inFlight--;
        pending.delete(done);
      });
    pending.add(done);
  };

  const tick = (run: Run) => {
    const elapsed = Math.min(now() - run.startedAt, run.durationMs);
    const due = Math.floor((elapsed / 1000) * run.rate) - run.sent - run.skipped;
    for (let i = 0; i < due; i++) {
      if (run.inFlight >= maxInFlight) run.skipped++;
      else sendOne(run);
    }
    if (elapsed >= run.durationMs) finish(run, 'completed');
  };

  return {
    start({ rate, duration_s }) {
      if (current?.state === 'running') {
        throw AppError.conflict(`A traffic run is already going (${current.rate}/s for ${current.durationMs / 1000} s); stop it first`);
      }
      const startedAt = now();
      const run: Run = {
        rate,
        durationMs: duration_s * 1000,
        startedAt,
        endedAt: undefined,
        state: 'running',
        sent: 0,
        inFlight: 0,
        skipped: 0,
        operations: new Map(),
        lastError: null,
        memory: newShopMemory(startedAt.toString(36)),
        timer: undefined,
      };
      run.timer = setInterval(() => tick(run), Math.min(tickMs, 1000 / rate));
      current = run;
      sendOne(run);
      return summarize(run, now());
    },
    status: () => summarize(current, now()),
    stop() {
      if (current) finish(current, 'stopped');
      return summarize(current, now());
    },
    async close() {
      if (current) finish(current, 'stopped');
      await Promise.all([...pending]);
    },
  };
}
