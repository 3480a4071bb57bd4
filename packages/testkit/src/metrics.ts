import { parseExposition, sampleSum, type Sample } from '@microshop/chassis';

/**
 * Reads a process's `GET /metrics` over a real socket and parses it. Throws when it does not answer
 * 200 in the Prometheus text format.
 *
 * @example
 * const before = await scrapeMetrics(url)
 * sampleSum(before, 'microshop_http_server_requests_total', { route: '/api/orders' })
 */
export async function scrapeMetrics(baseUrl: string): Promise<Sample[]> {
  const text = await metricsText(baseUrl);
  return parseExposition(text);
}

/** The raw text of a process's `GET /metrics`. */
export async function metricsText(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${baseUrl}/metrics answered ${response.status}: ${text.slice(0, 200)}`);
  if (!response.headers.get('content-type')?.startsWith('text/plain')) throw new Error(`${baseUrl}/metrics is not text/plain`);
  return text;
}

/** How much a sum of samples grew between two scrapes. */
export function sampleDelta(before: readonly Sample[], after: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return sampleSum(after, name, labels) - sampleSum(before, name, labels);
}
