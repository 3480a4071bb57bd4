import type { ProviderBehaviour } from '@microshop/contracts';

/**
 * How the simulated provider behaves right now. It lives in the process's memory, like a test
 * mode switched on at a real provider's dashboard: set at start from `PROVIDER_*`, changed by
 * `PUT /v1/behaviour`, and back to the configured one after a restart. Each instance has its own.
 */
export interface BehaviourSetting {
  get(): ProviderBehaviour;
  set(next: ProviderBehaviour): ProviderBehaviour;
}

/** The behaviour of a provider that charges every card at once and never fails. */
export const RELIABLE: ProviderBehaviour = { decline_rate: 0, failure_rate: 0, latency_ms: 0 };

export function createBehaviourSetting(initial: ProviderBehaviour = RELIABLE): BehaviourSetting {
  let current = { ...initial };
  return {
    get: () => current,
    set: (next) => {
      current = { ...next };
      return current;
    },
  };
}
