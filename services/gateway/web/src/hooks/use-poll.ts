import { useEffect, useRef, useState } from 'react';
import type { ApiResult } from '../api/http';

/** The latest answer of a polled source, and when it came. */
export interface Polled<T> {
  value: T | undefined;
  /** When the last answer arrived (`performance.now()`), or undefined before the first. */
  at: number | undefined;
  /** Polls done so far. */
  count: number;
}

/**
 * Calls `load` now and then `intervalMs` after each answer (never two at once, so a slow answer
 * cannot pile up requests), while the component is mounted and, when `continueWhile` is given,
 * while it holds for the latest answer (a process that has settled is not asked again). Each call
 * gets a signal that aborts when the component goes away. A change of `key` starts over.
 *
 * @example
 * const health = usePoll((signal) => getHealth(signal), 1000)
 * const timeline = usePoll((signal) => getOrderTimeline(id, signal), 1000, String(id), (answer) => stillSettling(answer))
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, key = '', continueWhile?: (value: T) => boolean): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ value: undefined, at: undefined, count: 0 });
  const loadRef = useRef(load);
  loadRef.current = load;
  const continueRef = useRef(continueWhile);
  continueRef.current = continueWhile;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const value = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setState((previous) => ({ value, at: performance.now(), count: previous.count + 1 }));
        if (continueRef.current && !continueRef.current(value)) return;
      } catch {
        // Aborted (the component went away) or a failed load: the next tick tries again.
        if (controller.signal.aborted) return;
      }
      timer = setTimeout(() => void tick(), intervalMs);
    };
    setState({ value: undefined, at: undefined, count: 0 });
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [intervalMs, key]);

  return state;
}

/**
 * Wraps the loader of an endpoint this gateway may not have: after a 404 it stops asking and
 * keeps that answer (the page says what is missing) instead of failing on every poll. Create it
 * once per component (`useState(() => untilMissing(load))`).
 */
export function untilMissing<A extends unknown[], T>(load: (...args: A) => Promise<ApiResult<T>>): (...args: A) => Promise<ApiResult<T>> {
  let missing: ApiResult<T> | undefined;
  return async (...args) => {
    if (missing) return missing;
    const result = await load(...args);
    if (result.status === 404) missing = result;
    return result;
  };
}
