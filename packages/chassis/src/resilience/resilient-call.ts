import { setTimeout as sleep } from 'node:timers/promises';
import { BUDGET_HEADER } from '@microshop/contracts';
import { BrokenCircuitError, CircuitState, IsolatedCircuitError } from 'cockatiel';
import { AppError } from '../errors.js';
import { BulkheadFullError } from './adaptive-bulkhead.js';
import { currentDeadline } from './deadline.js';
import { resilienceMetrics } from './metrics.js';
import { UpstreamFailure, type Resilience } from './resilience.js';
import { fullJitterDelay } from './retry-budget.js';

/** With timeouts switched off, the only limit left on a call: long enough for a cascade to show. */
export const SAFETY_CAP_MS = 60_000;

/** What one attempt may spend, and the headers it adds. */
export interface AttemptInput {
  /** Total for this attempt, connect to last byte. */
  budgetMs: number;
  /** From sending to the response headers. */
  firstByteMs: number;
  /** The whole call's budget as it started (for messages: "did not answer within …"). */
  callBudgetMs: number;
  extraHeaders: Record<string, string>;
}

/** An answer as received: the text is complete (a body cut short throws). */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One try at the neighbour: resolves with its answer, or throws an {@link UpstreamFailure}. */
export type Attempt = (input: AttemptInput) => Promise<Answer>;

export interface ResilientCallOptions {
  service: string;
  method: string;
  headers: Record<string, string>;
  /** The call's total budget, retries and backoff included. */
  timeoutMs: number;
  /** An explicit deadline of the caller (epoch ms). */
  deadline?: number | undefined;
  resilience?: Resilience | undefined;
  attempt: Attempt;
  /** Called when the call is refused without being sent (budget spent, breaker open, bulkhead full). */
  onRejected: () => void;
  random?: () => number;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
const OFF = { timeouts: true, retries: false, breakers: false, bulkheads: false } as const;

/** True when a request may be sent twice: an idempotent method, or any method with an `Idempotency-Key`. */
export function isRetryable(method: string, headers: Record<string, string>): boolean {
  return IDEMPOTENT.has(method.toUpperCase()) || Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key');
}

/** What is passed downstream: the attempt's wait for an answer less a margin, so the callee's answer arrives before we stop waiting. */
export function budgetToPass(remainingMs: number): number {
  return Math.max(0, Math.floor(remainingMs - Math.min(50, remainingMs * 0.05)));
}

/**
 * Runs a call through the patterns in this order: retry (outermost) → circuit breaker → bulkhead →
 * timeouts (per attempt) → the request. Each pattern is skipped while its switch is off. The call's
 * deadline is the earliest of its own budget, the caller's `deadline` and the incoming request's
 * budget (`x-budget-ms`); retries and backoff never go past it.
 */
export async function resilientCall({ service, method, headers, timeoutMs, deadline, resilience, attempt, onRejected, random = Math.random }: ResilientCallOptions): Promise<Answer> {
  const switches = resilience?.switches() ?? OFF;
  const started = Date.now();
  let end = started + SAFETY_CAP_MS;
  if (switches.timeouts) {
    end = started + timeoutMs;
    if (deadline !== undefined) end = Math.min(end, deadline);
    const inherited = currentDeadline();
    if (inherited !== undefined) end = Math.min(end, inherited);
  }
  const spent = () => {
    onRejected();
    return AppError.unavailable(service, `${service} was not called: the request's time budget is spent`);
  };
  if (end - started <= 0) throw spent();

  const guard = resilience?.guard(service);
  const settings = resilience?.settings;

  const firstByteLimitMs = !switches.timeouts ? SAFETY_CAP_MS : (settings?.first_byte_timeout_ms ?? timeoutMs);
  const send = async (waited = false): Promise<Answer> => {
    const remaining = end - Date.now();
    if (remaining <= 0) throw spent();
    // A call that waited for a bulkhead slot while the breaker opened is refused now, unsent, as a new call would be.
    if (waited && switches.breakers && guard?.breaker.state === CircuitState.Open) throw new BrokenCircuitError();
    const firstByteMs = Math.min(remaining, firstByteLimitMs);
    // The callee is told how long this attempt will wait for its answer, not what the whole call has
    // left: past its first-byte limit the attempt is given up (and maybe retried), so work the callee
    // did after that would be for no one.
    const extraHeaders: Record<string, string> = switches.timeouts && resilience ? { [BUDGET_HEADER]: String(budgetToPass(firstByteMs)) } : {};
    if (!guard) return attempt({ budgetMs: remaining, firstByteMs, callBudgetMs: end - started, extraHeaders });
    const sentAt = Date.now();
    try {
      const answer = await attempt({ budgetMs: remaining, firstByteMs, callBudgetMs: end - started, extraHeaders });
      guard.answerTime.record(Date.now() - sentAt);
      return answer;
    } catch (error) {
      // A 5xx is an answer and says how long one takes; a timeout or a refused connection does not.
      if (error instanceof UpstreamFailure && error.kind === 'server_error') guard.answerTime.record(Date.now() - sentAt);
      throw error;
    }
  };
  // An answer later than this share of the first-byte timeout cuts the neighbour's limit: it is queueing.
  const slowAfterMs = firstByteLimitMs * (settings?.bulkhead_slow_ratio ?? 1);
  const throughBulkhead = () => (switches.bulkheads && guard ? guard.bulkhead.execute(send, slowAfterMs) : send(false));
  const once = async (): Promise<Answer> => {
    try {
      return switches.breakers && guard ? await guard.breaker.execute(throughBulkhead) : await throughBulkhead();
    } catch (error) {
      if (guard && (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError)) {
        onRejected();
        resilienceMetrics().rejected.inc({ target: service, reason: 'breaker_open' });
        throw new AppError({
          status: 503,
          code: 'circuit-open',
          title: 'Service unavailable',
          detail: `${service} is failing: its circuit breaker is open, so it was not called`,
          service,
          headers: { 'retry-after': String(Math.max(1, Math.ceil(guard.openForMs() / 1000))) },
        });
      }
      if (guard && error instanceof BulkheadFullError) {
        onRejected();
        resilienceMetrics().rejected.inc({ target: service, reason: 'bulkhead_full' });
        throw AppError.unavailable(service, `${service} already has ${error.limit} calls in flight and ${error.queued} waiting: this call was refused`);
      }
      throw error;
    }
  };

  const retryable = Boolean(switches.retries && guard && settings && isRetryable(method, headers));
  const maxAttempts = retryable && settings ? settings.retry_max_attempts : 1;
  if (switches.retries && guard) guard.retryBudget.recordCall();
  for (let n = 1; ; n++) {
    try {
      return await once();
    } catch (error) {
      if (!(error instanceof UpstreamFailure) || n >= maxAttempts || !guard || !settings) throw error;
      const delay = fullJitterDelay(n, settings.retry_base_ms, settings.retry_max_delay_ms, random);
      // A retry needs time to be answered in: at least what the neighbour's answers take now.
      // Sent into the last few milliseconds it would only time out, count as one more failure for
      // the breaker and cut the bulkhead.
      const left = end - Date.now() - delay;
      if (left <= 0) throw error;
      if (left < (guard.answerTime.typicalMs() ?? 0)) {
        resilienceMetrics().rejected.inc({ target: service, reason: 'retry_no_time' });
        throw error;
      }
      if (!guard.retryBudget.tryRetry()) {
        resilienceMetrics().rejected.inc({ target: service, reason: 'retry_budget' });
        throw error;
      }
      resilienceMetrics().retries.inc({ target: service });
      await sleep(delay);
    }
  }
}
