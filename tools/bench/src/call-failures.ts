import type { CallFailures } from '@microshop/contracts';

/** A counter of the exposition: its name and the labels a sample must carry to count. */
interface CounterOf {
  name: string;
  labels: Record<string, string>;
}

const COUNTERS: Record<keyof CallFailures, CounterOf> = {
  timed_out: { name: 'microshop_http_client_requests_total', labels: { outcome: 'timeout' } },
  refused_breaker_open: { name: 'microshop_http_client_rejected_total', labels: { reason: 'breaker_open' } },
  refused_bulkhead_full: { name: 'microshop_http_client_rejected_total', labels: { reason: 'bulkhead_full' } },
  breakers_opened: { name: 'microshop_circuit_breaker_transitions_total', labels: { to: 'open' } },
};

const NONE: CallFailures = { timed_out: 0, refused_breaker_open: 0, refused_bulkhead_full: 0, breakers_opened: 0 };

const KEYS = Object.keys(COUNTERS) as (keyof CallFailures)[];
const combine = (a: CallFailures, b: CallFailures, op: (x: number, y: number) => number): CallFailures =>
  Object.fromEntries(KEYS.map((key) => [key, op(a[key], b[key])])) as unknown as CallFailures;

/** `name{a="x",b="y"} 3` → its name, labels and value; comments and blank lines → undefined. */
function parseSample(line: string): { name: string; labels: Record<string, string>; value: number } | undefined {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
  if (!match?.[1] || match[3] === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] ?? ''] = pair[2] ?? '';
  return { name: match[1], labels, value: Number(match[3]) };
}

/** The counters of one exposition text, each summed over the samples that carry its labels. */
export function countFailures(text: string): CallFailures {
  const counts: CallFailures = { ...NONE };
  for (const line of text.split('\n')) {
    const sample = line.startsWith('#') ? undefined : parseSample(line);
    if (!sample || !Number.isFinite(sample.value)) continue;
    for (const key of KEYS) {
      const counter = COUNTERS[key];
      if (sample.name === counter.name && Object.entries(counter.labels).every(([label, value]) => sample.labels[label] === value)) counts[key] += sample.value;
    }
  }
  return counts;
}

/** `after − before`, key by key. */
export const failuresBetween = (before: CallFailures, after: CallFailures): CallFailures => combine(after, before, (x, y) => x - y);

/** Key-by-key sum. */
export const addFailures = (a: CallFailures, b: CallFailures): CallFailures => combine(a, b, (x, y) => x + y);

/**
 * Reads the counters from every `/metrics` of `urls` and sums them; undefined when none answers
 * (a bare system has no metrics). Read outside the measured window, so its cost is never counted.
 */
export async function readFailures(urls: readonly string[]): Promise<CallFailures | undefined> {
  const texts = await Promise.all(
    urls.map(async (url) => {
      try {
        const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
        return response.ok ? await response.text() : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  const read = texts.filter((text): text is string => text !== undefined);
  return read.length ? read.map(countFailures).reduce(addFailures, { ...NONE }) : undefined;
}

/** "12 calls timed out, 1500 refused by an open breaker, breakers opened 3 times": what is not zero, or undefined. */
export function describeFailures(failures: CallFailures | undefined): string | undefined {
  if (!failures) return undefined;
  const parts = [
    failures.timed_out ? `${failures.timed_out} calls timed out` : '',
    failures.refused_breaker_open ? `${failures.refused_breaker_open} refused by an open breaker` : '',
    failures.refused_bulkhead_full ? `${failures.refused_bulkhead_full} by a full bulkhead` : '',
    failures.breakers_opened ? `breakers opened ${failures.breakers_opened} time${failures.breakers_opened === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}
