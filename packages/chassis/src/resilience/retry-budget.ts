/** How many retries a neighbour may still get: a token bucket filled by the calls themselves. */
export interface RetryBudget {
  /** A call was made: adds `ratio` tokens (up to the bucket's size). */
  recordCall(): void;
  /** Takes one token for a retry; false when none is left (the retry is not made). */
  tryRetry(): boolean;
  /** Tokens left. */
  tokens(): number;
}

/**
 * A retry budget in the manner of Finagle's: every call adds `ratio` tokens, every retry costs one,
 * so over time retries stay under `ratio` × calls, however the calls fail. A small burst (`size`
 * tokens, full at start) lets the first failures retry.
 *
 * @example
 * const budget = createRetryBudget(0.2)
 * budget.recordCall(); if (budget.tryRetry()) retry()
 */
export function createRetryBudget(ratio: number, size = 10): RetryBudget {
  let tokens = size;
  return {
    recordCall() {
      tokens = Math.min(size, tokens + ratio);
    },
    tryRetry() {
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
    tokens: () => tokens,
  };
}

/**
 * Full-jitter exponential backoff: a random wait in [0, min(max, base × 2^(retry-1))].
 *
 * @example
 * fullJitterDelay(2, 50, 1000) // somewhere in [0, 100]
 */
export function fullJitterDelay(retry: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}
