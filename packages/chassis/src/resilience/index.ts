/**
 * Resilience of the calls between services: timeouts and the budget passed downstream, retries
 * with full-jitter backoff within a retry budget, a circuit breaker and an adaptive bulkhead per neighbour,
 * each switchable at run time (`/internal/resilience`). See docs/resilience.md.
 */
export { DEFAULT_RESILIENCE_SETTINGS, loadResilienceSettings, ResilienceConfig } from './config.js';
export { currentDeadline, parseBudget, registerDeadline, runWithDeadline } from './deadline.js';
export { resilienceMetrics } from './metrics.js';
export { AdaptiveBulkhead, BulkheadFullError, type AdaptiveBulkheadOptions } from './adaptive-bulkhead.js';
export { createAnswerTime, type AnswerTime } from './answer-time.js';
export { breakerStateName, createResilience, UpstreamFailure, type Guard, type Resilience, type ResilienceOptions } from './resilience.js';
export { FailureRateBreaker, type FailureRateOptions } from './failure-rate-breaker.js';
export { createRetryBudget, fullJitterDelay, type RetryBudget } from './retry-budget.js';
export { registerResilience, resilienceOf, type RegisterResilienceOptions } from './routes.js';
