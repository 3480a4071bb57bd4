import type { CheckResult, CheckTarget, RegistryStore } from './store.js';

/**
 * Checks one instance once. Must settle within its own timeout, whatever the instance does, and
 * stop early when `signal` aborts (the registry is closing).
 */
export type Probe = (target: CheckTarget, signal: AbortSignal) => Promise<ProbeResult>;

/** A check's result with the label it is counted under (`ok`, `bad_status`, `timeout`, `unreachable`). */
export type ProbeResult = CheckResult & { outcome: string };

export interface HealthCheckerOptions {
  store: RegistryStore;
  probe: Probe;
  intervalMs: number;
  /** Called after each finished check, for metrics. */
  onCheck?: (target: CheckTarget, result: ProbeResult) => void;
  /** Called when a check throws instead of resolving (a bug in the probe): never silently lost. */
  onError?: (target: CheckTarget, error: unknown) => void;
}

/** Runs the periodic sweep: expire instances without heartbeat, then check every instance. */
export interface HealthChecker {
  /** Starts the periodic sweep (idempotent). */
  start(): void;
  /** Checks one instance now (a new or moved one), unless a check of it is already running. */
  checkNow(service: string, instanceId: string): void;
  /** Stops the sweep and aborts the running checks; resolves when they have settled. */
  stop(): Promise<void>;
  /** How many checks are running now. */
  inFlight(): number;
}

/**
 * The registry's health checker. Each instance has at most one check running: a tick that finds
 * one still running (an instance that hangs until the timeout) skips it rather than stacking
 * another, and never waits for it, so a hanging instance delays nobody else's check.
 */
export function createHealthChecker({ store, probe, intervalMs, onCheck, onError }: HealthCheckerOptions): HealthChecker {
  const running = new Map<string, Promise<void>>();
  const closing = new AbortController();
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  const keyOf = (target: CheckTarget) => `${target.service}\u0000${target.instance_id}`;

  const check = (target: CheckTarget) => {
    const key = keyOf(target);
    if (stopped || running.has(key)) return;
    const run = (async () => {
      try {
        const result = await probe(target, closing.signal);
        if (closing.signal.aborted) return;
        store.recordCheck(target, result);
        onCheck?.(target, result);
      } catch (error) {
        onError?.(target, error);
      } finally {
        running.delete(key);
      }
    })();
    running.set(key, run);
  };

  const sweep = () => {
    store.expire();
    for (const target of store.targets()) check(target);
  };

  return {
    start() {
      if (timer || stopped) return;
      timer = setInterval(sweep, intervalMs);
      timer.unref();
    },
    checkNow(service, instanceId) {
      const target = store.target(service, instanceId);
      if (target) check(target);
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      closing.abort();
      await Promise.allSettled([...running.values()]);
    },
    inFlight: () => running.size,
  };
}
