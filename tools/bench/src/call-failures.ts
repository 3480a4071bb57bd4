import { parseExposition, sampleSum } from '@microshop/chassis/metrics/exposition';
import type { CallFailures } from '@microshop/contracts';

/** A counter of the exposition: its name and the labels a sample must carry to count. */
interface CounterOf {
  name: string;
  labels: Record<string, string>;
}

/** The counters read as they are; `refused_budget_spent` is worked out from them (below). */
type Counted = Exclude<keyof CallFailures, 'refused_budget_spent'>;

const COUNTERS: Record<Counted, CounterOf> = {
  timed_out: { name: 'microshop_http_client_requests_total', labels: { outcome: 'timeout' } },
  refused_breaker_open: { name: 'microshop_http_client_rejected_total', labels: { reason: 'breaker_open' } },
  refused_bulkhead_full: { name: 'microshop_http_client_rejected_total', labels: { reason: 'bulkhead_full' } },
  breakers_opened: { name: 'microshop_circuit_breaker_transitions_total', labels: { to: 'open' } },
};

/** Every call refused unsent, for whatever reason: a breaker, a bulkhead, a spent budget. */
const NOT_SENT: CounterOf = { name: 'microshop_http_client_requests_total', labels: { outcome: 'not_sent' } };

const NONE: CallFailures = { timed_out: 0, refused_breaker_open: 0, refused_bulkhead_full: 0, breakers_opened: 0, refused_budget_spent: 0 };

const KEYS = Object.keys(NONE) as (keyof CallFailures)[];
/** Key by key; a key neither side has (a report written before it was counted) stays absent. */
const combine = (a: CallFailures, b: CallFailures, op: (x: number, y: number) => number): CallFailures =>
  Object.fromEntries(KEYS.flatMap((key) => (a[key] === undefined && b[key] === undefined ? [] : [[key, op(a[key] ?? 0, b[key] ?? 0)]]))) as unknown as CallFailures;

/** The counters of one exposition text, each summed over the samples that carry its labels. */
export function countFailures(text: string): CallFailures {
  const samples = parseExposition(text);
  const count = (counter: CounterOf) => sampleSum(samples, counter.name, counter.labels);
  const counted = Object.fromEntries(Object.entries(COUNTERS).map(([key, counter]) => [key, count(counter)])) as Record<Counted, number>;
  return { ...counted, refused_budget_spent: Math.max(0, count(NOT_SENT) - counted.refused_breaker_open - counted.refused_bulkhead_full) };
}

/** `after − before`, key by key. */
export const failuresBetween = (before: CallFailures, after: CallFailures): CallFailures => combine(after, before, (x, y) => x - y);

/** Key-by-key sum. */
export const addFailures = (a: CallFailures, b: CallFailures): CallFailures => combine(a, b, (x, y) => x + y);

/** The `/metrics` exposition of the process at `url`; undefined when it does not answer 2xx within 5 s. */
export async function readMetrics(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the counters from every `/metrics` of `urls` and sums them; undefined when none answers
 * (a bare system has no metrics) or can be read. Read outside the measured window, so its cost is
 * never counted.
 */
export async function readFailures(urls: readonly string[]): Promise<CallFailures | undefined> {
  const counts = await Promise.all(urls.map(async (url) => {
    const text = await readMetrics(url);
    return text === undefined ? undefined : countFailures(text);
  }));
  const read = counts.filter((count): count is CallFailures => count !== undefined);
  return read.length ? read.reduce(addFailures, { ...NONE }) : undefined;
}

/** "12 calls timed out, 1500 refused by an open breaker, breakers opened 3 times": what is not zero, or undefined. */
export function describeFailures(failures: CallFailures | undefined): string | undefined {
  if (!failures) return undefined;
  const parts = [
    failures.timed_out ? `${failures.timed_out} call${failures.timed_out === 1 ? '' : 's'} timed out` : '',
    failures.refused_breaker_open ? `${failures.refused_breaker_open} refused by an open breaker` : '',
    failures.refused_bulkhead_full ? `${failures.refused_bulkhead_full} by a full bulkhead` : '',
    failures.refused_budget_spent ? `${failures.refused_budget_spent} not sent, the request's budget spent` : '',
    failures.breakers_opened ? `breakers opened ${failures.breakers_opened} time${failures.breakers_opened === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}
