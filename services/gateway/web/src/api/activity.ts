import { useSyncExternalStore } from 'react';
import type { ApiResult } from './http';

/** One action a person took in the UI, and the request it made. */
export interface Activity {
  id: number;
  at: Date;
  summary: string;
  result: ApiResult<unknown>;
}

const MAX = 20;
let entries: readonly Activity[] = [];
let nextId = 1;
const listeners = new Set<() => void>();

/**
 * Remembers an action and its request for the activity list (the most recent {@link MAX}). Returns
 * the result, so a call can be wrapped: `record('Create user', await createUser(body))`.
 */
export function recordActivity<T>(summary: string, result: ApiResult<T>): ApiResult<T> {
  entries = [{ id: nextId++, at: new Date(), summary, result }, ...entries].slice(0, MAX);
  for (const listener of listeners) listener();
  return result;
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** The recent actions, newest first. */
export const useActivity = (): readonly Activity[] => useSyncExternalStore(subscribe, () => entries);
