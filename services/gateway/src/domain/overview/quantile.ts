import type { Buckets } from './snapshot.js';

/**
 * The q-quantile of the observations counted in cumulative buckets, in seconds, the way
 * Prometheus' `histogram_quantile` estimates it: find the bucket holding the rank, interpolate
 * linearly inside it (from 0 for the first bucket). A rank in the +Inf bucket gives the highest
 * finite bound. `null` when there is no observation.
 *
 * @example
 * quantile(0.5, { bounds: [0.01, 0.1, Infinity], counts: [0, 10, 10] }) // 0.055
 */
export function quantile(q: number, { bounds, counts }: Buckets): number | null {
  const total = counts.at(-1) ?? 0;
  if (total <= 0 || bounds.length === 0) return null;
  const rank = q * total;
  const index = counts.findIndex((count) => count >= rank);
  const i = index === -1 ? counts.length - 1 : index;
  const upper = bounds[i] ?? Number.POSITIVE_INFINITY;
  if (upper === Number.POSITIVE_INFINITY) {
    const finite = bounds.filter((bound) => Number.isFinite(bound));
    return finite.at(-1) ?? null;
  }
  const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
  const below = i === 0 ? 0 : (counts[i - 1] ?? 0);
  const inBucket = (counts[i] ?? 0) - below;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}

/** Adds `more` into `into`, bucket by bucket (the same bounds), and returns `into`. */
export function addBuckets(into: Buckets, more: Buckets): Buckets {
  if (into.bounds.length === 0) {
    into.bounds = [...more.bounds];
    into.counts = [...more.counts];
    return into;
  }
  more.counts.forEach((count, i) => {
    into.counts[i] = (into.counts[i] ?? 0) + count;
  });
  return into;
}

/** A quantile in milliseconds, rounded to 0.01 ms, or null. */
export function quantileMs(q: number, buckets: Buckets): number | null {
  const seconds = quantile(q, buckets);
  return seconds === null ? null : Math.round(seconds * 100_000) / 100;
}
