/** How long a neighbour takes to answer these days, as far as its recent answers tell. */
export interface AnswerTime {
  /** An attempt was answered after `ms`, whatever the status. */
  record(ms: number): void;
  /** The weighted mean of the answers so far; undefined before the first. */
  typicalMs(): number | undefined;
}

/**
 * An exponentially weighted mean of how long a neighbour's answers take: each new answer counts
 * for `weight`, the past for the rest, so the figure follows the neighbour within a few calls.
 * Attempts that got no answer (a timeout, a refused connection) are not counted: they say nothing
 * of how long an answer takes, and a retry often reaches another replica.
 *
 * It tells a retry that can still be answered in time from one that cannot: after an attempt fails
 * with a few milliseconds of the call left, a retry sent into them would time out too, count as
 * one more failure for the breaker, and cut the bulkhead's limit.
 *
 * @example
 * const answers = createAnswerTime(); answers.record(4); answers.record(6); answers.typicalMs() // 4.4
 */
export function createAnswerTime(weight = 0.2): AnswerTime {
  let mean: number | undefined;
  return {
    record(ms) {
      mean = mean === undefined ? ms : mean + weight * (ms - mean);
    },
    typicalMs: () => mean,
  };
}
