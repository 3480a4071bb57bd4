/** How many requests a process was holding while the load ran, sampled from its `/metrics`. */
export interface InFlightSummary {
  mean: number;
  max: number;
}

/** A running sampler; `stop` ends it and summarises what it saw. */
export interface InFlightSampler {
  stop(): InFlightSummary;
}

const GAUGE = /^microshop_http_server_requests_in_flight (\S+)$/m;

/**
 * Reads the `microshop_http_server_requests_in_flight` gauge of the process at `baseUrl` every
 * `intervalMs` until stopped: what piles up in it when a neighbour is slow.
 */
export function sampleInFlight(baseUrl: string, intervalMs = 250): InFlightSampler {
  const samples: number[] = [];
  const timer = setInterval(() => {
    fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(intervalMs * 4) })
      .then((response) => response.text())
      .then((text) => {
        const value = Number(GAUGE.exec(text)?.[1]);
        if (Number.isFinite(value)) samples.push(value);
      })
      .catch(() => undefined);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const sum = samples.reduce((a, b) => a + b, 0);
      return { mean: samples.length ? sum / samples.length : 0, max: samples.length ? Math.max(...samples) : 0 };
    },
  };
}
