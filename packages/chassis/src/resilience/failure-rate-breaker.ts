import { CircuitState, type IBreaker } from 'cockatiel';

export interface FailureRateOptions {
  /** Failures within the window that open the breaker, at least. */
  failures: number;
  /** Share of the window's calls that must have failed too (0–1). */
  ratio: number;
  /** How far back calls are counted, in ms. */
  windowMs: number;
  /** The clock (epoch ms); `Date.now` unless a test gives its own. */
  now?: () => number;
}

/** The window is kept as this many buckets: a call leaves it within a tenth of the window of its age. */
const BUCKETS = 10;

/**
 * A breaker that opens on a failure rate over a sliding time window, with a floor of failures, as
 * Hystrix's and resilience4j's do: it opens once, among the calls of the last `windowMs`, at least
 * `failures` failed **and** they are at least `ratio` of them.
 *
 * Against a neighbour that fails every call it opens at exactly `failures`, as five in a row would.
 * What it does not do is open on a burst: when a busy caller's calls stall together (a pause of the
 * callee, a caller's event loop late by a second), the thirty calls in flight time out at once, and
 * "five in a row" opens the breaker while hundreds of calls around them succeeded. A successful probe
 * (half-open to closed) starts the window afresh.
 *
 * @example
 * circuitBreaker(handleAll, { halfOpenAfter: 5000, breaker: new FailureRateBreaker({ failures: 5, ratio: 0.5, windowMs: 10_000 }) })
 */
export class FailureRateBreaker implements IBreaker {
  private readonly bucketMs: number;
  private readonly now: () => number;
  /** Per bucket: its start (epoch ms, a multiple of bucketMs), successes and failures. */
  private buckets: { start: number; successes: number; failures: number }[] = [];

  constructor(private readonly options: FailureRateOptions) {
    if (!(options.failures >= 1) || !(options.ratio > 0 && options.ratio <= 1) || !(options.windowMs >= BUCKETS)) {
      throw new RangeError(`FailureRateBreaker: failures ≥ 1, 0 < ratio ≤ 1 and windowMs ≥ ${BUCKETS} (got ${JSON.stringify(options)})`);
    }
    this.bucketMs = options.windowMs / BUCKETS;
    this.now = options.now ?? (() => Date.now());
  }

  /** Cockatiel reads and writes it to serialise a breaker (`toJSON`). */
  get state(): unknown {
    return this.buckets.map((b) => ({ ...b }));
  }

  set state(value: unknown) {
    this.buckets = Array.isArray(value) ? (value as typeof this.buckets).map((b) => ({ ...b })) : [];
  }

  success(state: CircuitState): void {
    // The probe came back: what failed before the breaker opened no longer counts.
    if (state === CircuitState.HalfOpen) this.buckets = [];
    else this.current().successes++;
  }

  failure(state: CircuitState): boolean {
    // A failed probe opens the breaker again whatever this returns.
    if (state === CircuitState.HalfOpen) return true;
    this.current().failures++;
    let failures = 0;
    let calls = 0;
    for (const bucket of this.buckets) {
      failures += bucket.failures;
      calls += bucket.failures + bucket.successes;
    }
    return failures >= this.options.failures && failures >= this.options.ratio * calls;
  }

  /** The bucket of now, buckets older than the window dropped. */
  private current() {
    const start = Math.floor(this.now() / this.bucketMs) * this.bucketMs;
    const oldest = start - (BUCKETS - 1) * this.bucketMs;
    if (this.buckets.length && (this.buckets[0]?.start ?? start) < oldest) this.buckets = this.buckets.filter((b) => b.start >= oldest);
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.start !== start) {
      last = { start, successes: 0, failures: 0 };
      this.buckets.push(last);
    }
    return last;
  }
}
