import { AppError } from '@microshop/chassis';
import type { ProviderBehaviour } from '@microshop/contracts';
import type { ProviderDeps } from './deps.js';

/**
 * The simulated outage: with probability `failure_rate` the request fails before anything is read
 * or written, so the caller may safely send it again.
 */
export function failIfOutage({ random }: Pick<ProviderDeps, 'random'>, { failure_rate }: ProviderBehaviour): void {
  if (random() < failure_rate) {
    throw AppError.unavailable('payment-provider', 'The payment provider is unavailable (simulated outage); nothing was done, send the request again');
  }
}

/**
 * Runs the work, then waits the simulated latency before its outcome, answer or refusal, goes out.
 * The work is committed by then: a caller that stops waiting cannot tell whether it happened, as
 * with a real provider, and has to ask again with the same reference to find out.
 */
export async function withLatency<T>({ sleep }: Pick<ProviderDeps, 'sleep'>, { latency_ms }: ProviderBehaviour, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    if (latency_ms > 0) await sleep(latency_ms);
  }
}
