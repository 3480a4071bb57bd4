import { type CircuitBreakerPolicy, CircuitState, circuitBreaker, handleWhen } from 'cockatiel';
import type { BreakerState, BulkheadState, ResilienceState, ResilienceSwitches, SetResilienceSwitches } from '@microshop/contracts';
import type { FastifyBaseLogger } from 'fastify';
import { AdaptiveBulkhead } from './adaptive-bulkhead.js';
import { type AnswerTime, createAnswerTime } from './answer-time.js';
import { DEFAULT_RESILIENCE_SETTINGS, type Settings } from './config.js';
import { FailureRateBreaker } from './failure-rate-breaker.js';
import { BREAKER_STATE_VALUE, resilienceMetrics } from './metrics.js';
import { createRetryBudget, type RetryBudget } from './retry-budget.js';

/**
 * A failure of the neighbour itself: a 5xx of its own, no answer in time, a refused or cut
 * connection. The only thing breakers count and retries retry.
 */
export class UpstreamFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'unreachable' | 'server_error',
    message: string,
    /** The answer, for a 5xx. */
    readonly response?: { status: number; headers: Record<string, string | string[] | undefined>; text: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamFailure';
  }
}

/** The breaker, bulkhead and retry budget of one neighbour. */
export interface Guard {
  readonly target: string;
  readonly breaker: CircuitBreakerPolicy;
  readonly bulkhead: AdaptiveBulkhead;
  readonly retryBudget: RetryBudget;
  /** How long its answers take now: a retry is sent only with at least that much of the call left. */
  readonly answerTime: AnswerTime;
  /** Milliseconds until an open breaker lets a probe through (0 when not open). */
  openForMs(): number;
}

/** One process's resilience: its settings, its switches, and a guard per neighbour. */
export interface Resilience {
  readonly service: string;
  readonly settings: Settings;
  switches(): ResilienceSwitches;
  /** Changes some switches; takes effect for the next call. Logged. */
  setSwitches(patch: SetResilienceSwitches): ResilienceSwitches;
  /** The guard of one neighbour, created on first use. */
  guard(target: string): Guard;
  /** Each neighbour's breaker state. */
  breakers(): Record<string, BreakerState>;
  /** Each neighbour's bulkhead: its limit now, the calls in flight and waiting. */
  bulkheads(): Record<string, BulkheadState>;
  state(): ResilienceState;
  /** Where transitions and switch changes are logged. */
  useLogger(log: FastifyBaseLogger): void;
}

export interface ResilienceOptions {
  service: string;
  settings?: Partial<Settings>;
  switches?: Partial<ResilienceSwitches>;
  log?: FastifyBaseLogger;
}

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Open]: 'open',
  [CircuitState.Isolated]: 'open',
};

/** The name of a cockatiel state. */
export const breakerStateName = (state: CircuitState): BreakerState => STATE_NAMES[state];

/**
 * Creates a process's resilience patterns: a cockatiel circuit breaker (a failure rate over a window),
 * a bulkhead whose limit follows the neighbour's latency ({@link AdaptiveBulkhead}) and a retry
 * budget per neighbour, all switchable at run time.
 *
 * @example
 * const resilience = createResilience({ service: 'order-service', settings: { breaker_failures: 3 } })
 * resilience.setSwitches({ retries: false })
 */
export function createResilience({ service, settings: given = {}, switches: initial = {}, log: initialLog }: ResilienceOptions): Resilience {
  const settings: Settings = { ...DEFAULT_RESILIENCE_SETTINGS, ...given };
  let switches: ResilienceSwitches = { timeouts: true, retries: true, breakers: true, bulkheads: true, ...initial };
  let log = initialLog;
  const guards = new Map<string, Guard>();

  const createGuard = (target: string): Guard => {
    const breaker = circuitBreaker(
      handleWhen((error) => error instanceof UpstreamFailure),
      {
        halfOpenAfter: settings.breaker_half_open_after_ms,
        breaker: new FailureRateBreaker({ failures: settings.breaker_failures, ratio: settings.breaker_failure_ratio, windowMs: settings.breaker_window_ms }),
      },
    );
    let openedAt = 0;
    resilienceMetrics().breakerState.set({ target }, 0);
    resilienceMetrics().bulkheadLimit.set({ target }, settings.bulkhead_max_concurrent);
    breaker.onStateChange((state) => {
      const name = breakerStateName(state);
      if (name === 'open') openedAt = Date.now();
      const metrics = resilienceMetrics();
      metrics.breakerState.set({ target }, BREAKER_STATE_VALUE[name]);
      metrics.breakerTransitions.inc({ target, to: name });
      const line = { breaker: target, state: name, service };
      if (name === 'open') log?.warn(line, `circuit breaker to ${target} is open: calls fail fast for ${settings.breaker_half_open_after_ms} ms`);
      else log?.info(line, `circuit breaker to ${target} is ${name}`);
    });
    return {
      target,
      breaker,
      bulkhead: new AdaptiveBulkhead({
        max: settings.bulkhead_max_concurrent,
        min: settings.bulkhead_min_concurrent,
        queue: settings.bulkhead_queue,
        isOverload: (error) => error instanceof UpstreamFailure && error.kind === 'timeout',
        onLimit: (limit) => {
          resilienceMetrics().bulkheadLimit.set({ target }, limit);
          // Debug only: under a sustained overload the limit moves several times a second; the gauge and the UI show it.
          log?.debug({ bulkhead: target, limit, service }, `bulkhead to ${target}: ${limit} calls in flight at most`);
        },
      }),
      retryBudget: createRetryBudget(settings.retry_budget_ratio),
      answerTime: createAnswerTime(),
      openForMs: () => (breaker.state === CircuitState.Open ? Math.max(0, openedAt + settings.breaker_half_open_after_ms - Date.now()) : 0),
    };
  };

  const breakers = (): Record<string, BreakerState> =>
    Object.fromEntries([...guards.values()].map((g) => [g.target, breakerStateName(g.breaker.state)]));

  const bulkheads = (): Record<string, BulkheadState> =>
    Object.fromEntries([...guards.values()].map(({ target, bulkhead }) => [target, { limit: bulkhead.limit, in_flight: bulkhead.inFlight, queued: bulkhead.queued }]));

  return {
    service,
    settings,
    switches: () => ({ ...switches }),
    setSwitches(patch) {
      const before = switches;
      switches = { ...switches, ...patch };
      const changed = Object.fromEntries(Object.entries(patch).filter(([key, value]) => before[key as keyof ResilienceSwitches] !== value));
      log?.warn({ resilience: switches, changed }, `resilience switches: ${Object.entries(switches).map(([k, v]) => `${k} ${v ? 'on' : 'off'}`).join(', ')}`);
      return { ...switches };
    },
    guard(target) {
      let guard = guards.get(target);
      if (!guard) {
        guard = createGuard(target);
        guards.set(target, guard);
      }
      return guard;
    },
    breakers,
    bulkheads,
    state: () => ({ service, switches: { ...switches }, breakers: breakers(), bulkheads: bulkheads(), settings }),
    useLogger(next) {
      log = next;
    },
  };
}
