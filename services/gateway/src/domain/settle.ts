import { AppError } from '@microshop/chassis';

/** The outcome of one branch of a composed view: its value, or why it is missing. */
export type Branch<T> = { ok: true; value: T } | { ok: false; error: AppError };

/**
 * Runs a branch to completion without letting it fail the whole view: a neighbour's 5xx becomes a
 * missing part. Anything else (a bug, a 4xx that should not happen) still fails the request.
 */
export async function settle<T>(work: Promise<T>): Promise<Branch<T>> {
  try {
    return { ok: true, value: await work };
  } catch (error) {
    if (error instanceof AppError && error.status >= 500) return { ok: false, error };
    throw error;
  }
}

/** The value of a branch, or null when it is missing. */
export function valueOr<T>(branch: Branch<T>): T | null {
  return branch.ok ? branch.value : null;
}
