/** A call refused without being sent: every slot was taken and the queue was full. */
export class BulkheadFullError extends Error {
  constructor(
    readonly limit: number,
    readonly queued: number,
  ) {
    super(`${limit} calls in flight and ${queued} waiting`);
    this.name = 'BulkheadFullError';
  }
}

export interface AdaptiveBulkheadOptions {
  /** The most calls in flight, whatever the latency; the limit starts here. */
  max: number;
  /** The limit is never cut below this (at most `max`). */
  min: number;
  /** Calls waiting for a slot at most; beyond that a call is refused at once. */
  queue: number;
  /** True for a failure that says the neighbour is overloaded (a timeout): it cuts the limit as a slow answer does. */
  isOverload?: (error: unknown) => boolean;
  /** Called with the new limit (whole slots) each time it changes. */
  onLimit?: (limit: number) => void;
  now?: () => number;
}

/** The share of the limit kept when it is cut. */
const CUT_FACTOR = 0.75;

/**
 * A bulkhead whose size follows the neighbour's latency (additive increase, multiplicative
 * decrease, as TCP's congestion window does):
 *
 * - it starts at `max` slots, so a neighbour that answers in time is limited as a fixed bulkhead of
 *   `max` would limit it;
 * - an answer later than the call's `slowAfterMs`, or a timeout, cuts the limit to three quarters
 *   (never below `min`). Only calls sent after the last cut can cut again: the calls already in
 *   flight were sent under the old limit, and their lateness is what the cut answered;
 * - an answer in time adds `1 / limit` of a slot (about one slot per round of answers), up to `max`:
 *   once the neighbour answers in time again, its traffic brings the limit back to where a fixed
 *   bulkhead of `max` would be. A failure that is not a timeout (a refused connection, a 5xx in time)
 *   neither cuts nor grows it: that is the breaker's business.
 *
 * A call beyond the limit waits in a FIFO queue (its wait is not counted as latency); beyond the
 * queue it is refused at once with {@link BulkheadFullError}. The queue is what lets a caller under
 * more load than its neighbour can take hold the excess itself instead of sending it on to queue
 * there, past its timeouts. A freed slot goes to the next waiting call on the next turn of the event
 * loop, so that whatever wraps the bulkhead (the breaker) has counted the outcome that freed it.
 *
 * @example
 * const bulkhead = new AdaptiveBulkhead({ max: 32, min: 4, queue: 256, isOverload: (e) => e instanceof TimeoutError })
 * const answer = await bulkhead.execute(() => send(), 250)
 */
export class AdaptiveBulkhead {
  readonly #max: number;
  readonly #min: number;
  readonly #queueMax: number;
  readonly #isOverload: (error: unknown) => boolean;
  readonly #onLimit: (limit: number) => void;
  readonly #now: () => number;
  #limit: number;
  #inFlight = 0;
  #lastCut = Number.NEGATIVE_INFINITY;
  readonly #waiting: Array<() => void> = [];

  constructor({ max, min, queue, isOverload = () => false, onLimit = () => {}, now = () => performance.now() }: AdaptiveBulkheadOptions) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a whole number of at least 1, not ${max}`);
    if (!Number.isInteger(min) || min < 1) throw new RangeError(`min must be a whole number of at least 1, not ${min}`);
    if (!Number.isInteger(queue) || queue < 0) throw new RangeError(`queue must be a whole number of at least 0, not ${queue}`);
    this.#max = max;
    this.#min = Math.min(min, max);
    this.#queueMax = queue;
    this.#isOverload = isOverload;
    this.#onLimit = onLimit;
    this.#now = now;
    this.#limit = max;
  }

  /** Whole slots: the calls that may be in flight now. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `send` in a slot, at once or after waiting in the queue (`send` is told which, so a call
   * that waited can check again what changed meanwhile); refuses it with {@link BulkheadFullError}
   * when the queue is full. An answer (or failure) later than `slowAfterMs` after `send` started
   * cuts the limit.
   */
  execute<T>(send: (waited: boolean) => Promise<T>, slowAfterMs: number): Promise<T> {
    if (this.#inFlight < this.limit && this.#waiting.length === 0) return this.#run(send, false, slowAfterMs);
    if (this.#waiting.length >= this.#queueMax) return Promise.reject(new BulkheadFullError(this.limit, this.#waiting.length));
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push(() => {
        this.#run(send, true, slowAfterMs).then(resolve, reject);
      });
    });
  }

  async #run<T>(send: (waited: boolean) => Promise<T>, waited: boolean, slowAfterMs: number): Promise<T> {
    this.#inFlight++;
    const started = this.#now();
    try {
      const answer = await send(waited);
      this.#answered(started, this.#now() - started > slowAfterMs ? 'late' : 'in time');
      return answer;
    } catch (error) {
      if (this.#isOverload(error) || this.#now() - started > slowAfterMs) this.#answered(started, 'late');
      throw error;
    } finally {
      this.#inFlight--;
      // The next waiting call goes once this turn of the event loop is over: by then whatever wraps
      // the bulkhead (the breaker) has counted this outcome, and the call can be refused if it opened.
      if (this.#waiting.length > 0) setImmediate(() => this.#drain());
    }
  }

  #answered(started: number, how: 'late' | 'in time'): void {
    const before = this.limit;
    if (how === 'late') {
      if (started < this.#lastCut) return;
      this.#limit = Math.max(this.#min, this.#limit * CUT_FACTOR);
      this.#lastCut = this.#now();
    } else {
      this.#limit = Math.min(this.#max, this.#limit + 1 / this.#limit);
    }
    if (this.limit !== before) this.#onLimit(this.limit);
  }

  #drain(): void {
    while (this.#inFlight < this.limit && this.#waiting.length > 0) this.#waiting.shift()?.();
  }
}
