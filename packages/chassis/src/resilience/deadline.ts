import { AsyncLocalStorage } from 'node:async_hooks';
import { BUDGET_HEADER } from '@microshop/contracts';
import type { FastifyInstance } from 'fastify';

interface RequestBudget {
  /** Epoch milliseconds by which the request being handled must be answered. */
  deadline: number;
}

const storage = new AsyncLocalStorage<RequestBudget>();

/** The deadline of the request being handled (epoch ms), when its caller sent a budget. */
export function currentDeadline(): number | undefined {
  return storage.getStore()?.deadline;
}

/**
 * Runs `fn` with a deadline in its async context: every call made inside it is capped by it.
 *
 * @example
 * await runWithDeadline(Date.now() + 500, () => client.call({ path: '/api/products/1' }))
 */
export function runWithDeadline<T>(deadline: number, fn: () => T): T {
  return storage.run({ deadline }, fn);
}

/** `"1500"` → 1500; anything that is not a non-negative integer of milliseconds → undefined. */
export function parseBudget(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Reads {@link BUDGET_HEADER} on every incoming request and keeps `arrival + budget` as the
 * request's deadline in its async context, so the calls made while handling it never wait longer
 * than the caller does.
 */
export function registerDeadline(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const budget = parseBudget(request.headers[BUDGET_HEADER]);
    if (budget === undefined) {
      done();
      return;
    }
    storage.run({ deadline: Date.now() + budget }, done);
  });
}
