/** How quickly a crashed process is started again. */
export interface BackoffPolicy {
  /** Wait before the first restart. */
  initialMs: number;
  /** Each further restart waits this many times longer than the one before. */
  factor: number;
  /** The longest wait. */
  maxMs: number;
  /** A process that stayed up this long has recovered: its next crash starts from `initialMs` again. */
  resetAfterMs: number;
}

/** 250 ms, doubling up to 10 s; forgotten after 30 s up. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, factor: 2, maxMs: 10_000, resetAfterMs: 30_000 };

/** The next restart of a process that just exited. */
export interface RestartPlan {
  /** How many restarts in a row this one is, counting from 1. */
  attempt: number;
  delayMs: number;
}

/**
 * Plans the restart of a process that exited unexpectedly.
 *
 * @param previousAttempts restarts in a row before this exit (0 for a process that never crashed)
 * @param upForMs how long the process ran before it exited
 *
 * @example
 * nextRestart(DEFAULT_BACKOFF, 0, 1_000)      // { attempt: 1, delayMs: 250 }
 * nextRestart(DEFAULT_BACKOFF, 3, 1_000)      // { attempt: 4, delayMs: 2000 }
 * nextRestart(DEFAULT_BACKOFF, 9, 60_000)     // { attempt: 1, delayMs: 250 }: it had recovered
 */
export function nextRestart(policy: BackoffPolicy, previousAttempts: number, upForMs: number): RestartPlan {
  const attempt = upForMs >= policy.resetAfterMs ? 1 : previousAttempts + 1;
  const delayMs = Math.min(policy.maxMs, Math.round(policy.initialMs * policy.factor ** (attempt - 1)));
  return { attempt, delayMs };
}
