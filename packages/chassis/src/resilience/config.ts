import { Type, type Static } from 'typebox';
import type { ResilienceSettings } from '@microshop/contracts';
import { readConfig } from '../config.js';

/**
 * The environment variables of the resilience patterns, read by the chassis itself when a service
 * builds its app (so every service has them with no code of its own). A bad value stops start-up
 * naming the variable.
 */
export const ResilienceConfig = Type.Object({
  /** Time to open a TCP connection to a neighbour. */
  CONNECT_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 1000 }),
  /** Time from sending one attempt to its response headers (a timer of the chassis client's own). */
  FIRST_BYTE_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 1000 }),
  /** Attempts per call, the first included (1: never retry). */
  RETRY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
  /** Backoff base: attempt n waits a random time in [0, min(max, base × 2^(n-1))]. */
  RETRY_BASE_MS: Type.Integer({ minimum: 1, maximum: 10_000, default: 50 }),
  /** Upper bound of one backoff wait. */
  RETRY_MAX_DELAY_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 1000 }),
  /** Retries allowed per call made, over time (a token bucket): 0.2 = at most one retry per five calls once the burst is spent. */
  RETRY_BUDGET_RATIO: Type.Number({ minimum: 0, maximum: 10, default: 0.2 }),
  /** Failures (5xx, timeouts, refused connections) within the breaker's window that open a neighbour's breaker, at least. */
  BREAKER_FAILURES: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  /** Share of the window's calls that must have failed too: a burst among many successes does not open it. */
  BREAKER_FAILURE_RATIO: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
  /** How far back the breaker counts calls. */
  BREAKER_WINDOW_MS: Type.Integer({ minimum: 10, maximum: 600_000, default: 10_000 }),
  /** How long an open breaker refuses calls before it lets one probe through. */
  BREAKER_HALF_OPEN_AFTER_MS: Type.Integer({ minimum: 1, maximum: 600_000, default: 5000 }),
  /** Calls in flight to one neighbour at most (also its keep-alive pool size); the adaptive limit starts here. */
  BULKHEAD_MAX_CONCURRENT: Type.Integer({ minimum: 1, maximum: 10_000, default: 32 }),
  /** The adaptive limit is never cut below this. Equal to the maximum: a fixed bulkhead. */
  BULKHEAD_MIN_CONCURRENT: Type.Integer({ minimum: 1, maximum: 10_000, default: 4 }),
  /** A call answered later than this share of its first-byte timeout is slow: the neighbour is queueing, and the limit is cut. */
  BULKHEAD_SLOW_RATIO: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.25 }),
  /** Calls waiting for a slot at most; beyond that a call is refused at once with 503. */
  BULKHEAD_QUEUE: Type.Integer({ minimum: 0, maximum: 100_000, default: 256 }),
});
export type ResilienceConfig = Static<typeof ResilienceConfig>;

/** The settings every breaker, bulkhead and retry of a process uses. */
export type Settings = ResilienceSettings;

/** The defaults, as the variables' defaults give them. */
export const DEFAULT_RESILIENCE_SETTINGS: Settings = toSettings(readConfig(ResilienceConfig, {}));

function toSettings(config: ResilienceConfig): Settings {
  return {
    connect_timeout_ms: config.CONNECT_TIMEOUT_MS,
    first_byte_timeout_ms: config.FIRST_BYTE_TIMEOUT_MS,
    retry_max_attempts: config.RETRY_MAX_ATTEMPTS,
    retry_base_ms: config.RETRY_BASE_MS,
    retry_max_delay_ms: config.RETRY_MAX_DELAY_MS,
    retry_budget_ratio: config.RETRY_BUDGET_RATIO,
    breaker_failures: config.BREAKER_FAILURES,
    breaker_failure_ratio: config.BREAKER_FAILURE_RATIO,
    breaker_window_ms: config.BREAKER_WINDOW_MS,
    breaker_half_open_after_ms: config.BREAKER_HALF_OPEN_AFTER_MS,
    bulkhead_max_concurrent: config.BULKHEAD_MAX_CONCURRENT,
    bulkhead_min_concurrent: config.BULKHEAD_MIN_CONCURRENT,
    bulkhead_slow_ratio: config.BULKHEAD_SLOW_RATIO,
    bulkhead_queue: config.BULKHEAD_QUEUE,
  };
}

/**
 * Reads the resilience settings from the environment once; a bad value throws a ConfigError
 * naming the variable.
 *
 * @example
 * const settings = loadResilienceSettings({ BREAKER_FAILURES: '3' })
 */
export function loadResilienceSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return toSettings(readConfig(ResilienceConfig, env));
}
