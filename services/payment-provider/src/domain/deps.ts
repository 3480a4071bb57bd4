import type { ChargeRepository } from '../data/charge-repository.js';
import type { BehaviourSetting } from './behaviour.js';

/** What the payment provider's use cases need: passed in, never imported. */
export interface ProviderDeps {
  charges: ChargeRepository;
  behaviour: BehaviourSetting;
  now: () => Date;
  /** A number in [0, 1), rolled against the failure and decline rates: tests pass a fixed one. */
  random: () => number;
  /** Waits the simulated latency: tests pass one that returns at once, or looks around first. */
  sleep: (ms: number) => Promise<void>;
}
