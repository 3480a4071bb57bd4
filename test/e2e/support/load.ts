import { Agent, request } from 'undici';

/** One request of a load run: what to send. */
export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/** A request that did not get the status it expected, and when. */
export interface LoadFailure {
  /** Milliseconds since the run started. */
  atMs: number;
  status: number | null;
  detail: string;
}

/** What a load run did. */
export interface LoadResult {
  sent: number;
  ok: number;
  failures: LoadFailure[];
  /** Milliseconds since the run started at which each successful request was answered. */
  okAt: number[];
  /** How long the run lasted. */
  durationMs: number;
}

/** A closed-loop load run in the background: `stop()` ends it and returns what happened. */
export interface LoadRun {
  /** Milliseconds since the run started. */
  elapsed(): number;
  /** Requests answered so far. */
  sent(): number;
  stop(): Promise<LoadResult>;
}

export interface LoadOptions {
  baseUrl: string;
  /** Picks the request to send next (called once per request). */
  next: (n: number) => LoadRequest;
  /** Parallel callers, each sending its next request as soon as the last is answered. */
  concurrency: number;
  /** Stops by itself after this many requests, whatever happens. */
  maxRequests: number;
  /** A 2xx counts as success; anything else (or no answer within this budget) as a failure. */
  timeoutMs?: number;
}

/**
 * Sends requests from `concurrency` callers in closed loops until `stop()` or `maxRequests`,
 * over one keep-alive agent, and records every failure with its time: enough to tell "during the
 * failover" from "after it". Bounded by count, so a test that forgets to stop it still ends.
 */
export function startLoad({ baseUrl, next, concurrency, maxRequests, timeoutMs = 5000 }: LoadOptions): LoadRun {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const failures: LoadFailure[] = [];
  const okAt: number[] = [];
  let sent = 0;
  let ok = 0;
  let stopped = false;
  const caller = async () => {
    while (!stopped && sent < maxRequests) {
      const { method, path, body } = next(sent++);
      try {
        const response = await request(`${baseUrl}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? null : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
          dispatcher: agent,
        });
        const text = await response.body.text();
        if (response.statusCode >= 200 && response.statusCode < 300) {
          ok++;
          okAt.push(elapsed());
        }
        else failures.push({ atMs: elapsed(), status: response.statusCode, detail: `${method} ${path}: ${text.slice(0, 200)}` });
      } catch (error) {
        failures.push({ atMs: elapsed(), status: null, detail: `${method} ${path}: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
  };
  const callers = Array.from({ length: concurrency }, () => caller());
  return {
    elapsed,
    sent: () => ok + failures.length,
    stop: async () => {
      stopped = true;
      await Promise.all(callers);
      await agent.close();
      return { sent: ok + failures.length, ok, failures, okAt, durationMs: elapsed() };
    },
  };
}
