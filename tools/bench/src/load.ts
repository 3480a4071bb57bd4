import autocannon from 'autocannon';

/** What one load run measured. */
export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Requests answered with a status other than 2xx, plus socket errors and timeouts. */
  errors: number;
  requests: number;
}

export interface LoadOptions {
  url: string;
  method: 'GET' | 'POST';
  body?: string | undefined;
  connections: number;
  durationSeconds: number;
  /** Called about once a second with the seconds elapsed. */
  onTick?: (elapsedSeconds: number) => void;
}

/**
 * Sends requests on `connections` keep-alive connections, each waiting for its answer before the
 * next (closed loop), for `durationSeconds`, and reports throughput and latency.
 */
export async function runLoad({ url, method, body, connections, durationSeconds, onTick }: LoadOptions): Promise<LoadResult> {
  let elapsed = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url, method, connections, duration: durationSeconds, headers: body ? { 'content-type': 'application/json' } : {}, ...(body ? { body } : {}) },
      (error, finished) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(finished)),
    );
    instance.on('tick', () => onTick?.(++elapsed));
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  };
}
