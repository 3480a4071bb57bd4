import { AsyncResource } from 'node:async_hooks';
import { Dispatcher } from 'undici';

/**
 * A dispatcher in front of a pool that sends each request from the async context of its caller.
 *
 * A pool whose connections are all busy queues a request and sends it later, from whichever
 * response freed a connection. Anything that reads the active context when the request is created
 * (the undici instrumentation: the span's parent and the `traceparent` header) would then see
 * another request's trace. Here, while the pool is saturated (its `dispatch` returned `false`),
 * requests wait in a queue of our own, each bound to its caller's context, and go to the pool on
 * its `drain` event.
 */
class CallerContextDispatcher extends Dispatcher {
  readonly #pool: Dispatcher;
  readonly #waiting: (() => void)[] = [];
  #saturated = false;

  constructor(pool: Dispatcher) {
    super();
    this.#pool = pool;
    pool.on('drain', () => {
      this.#saturated = false;
      this.#release();
    });
  }

  #send(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const accepted = this.#pool.dispatch(options, handler);
    if (!accepted) this.#saturated = true;
    return accepted;
  }

  #release(): void {
    while (!this.#saturated) {
      const next = this.#waiting.shift();
      if (!next) return;
      next();
    }
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (!this.#saturated) return this.#send(options, handler);
    this.#waiting.push(AsyncResource.bind(() => void this.#send(options, handler)));
    return false;
  }

  #flushAll(): void {
    // Closing: whatever still waits goes to the pool, which finishes or fails it as it closes.
    this.#saturated = false;
    for (let next = this.#waiting.shift(); next; next = this.#waiting.shift()) next();
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#flushAll();
    const closed = this.#pool.close();
    if (!callback) return closed;
    void closed.then(callback, callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(errorOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    this.#flushAll();
    const error = typeof errorOrCallback === 'function' ? null : (errorOrCallback ?? null);
    const done = typeof errorOrCallback === 'function' ? errorOrCallback : callback;
    const destroyed = this.#pool.destroy(error);
    if (!done) return destroyed;
    void destroyed.then(done, done);
  }
}

/**
 * Wraps a pool so that every request leaves from its caller's async context, even when the pool
 * is saturated and it has to wait for a connection: its trace context, and so its span's parent
 * and `traceparent` header, are always its own caller's.
 *
 * @example
 * const pool = keepCallerContext(new Pool(baseUrl, { connections: 32 }))
 * await pool.request({ path: '/api/products/2', method: 'GET' })
 */
export function keepCallerContext(pool: Dispatcher): Dispatcher {
  return new CallerContextDispatcher(pool);
}
