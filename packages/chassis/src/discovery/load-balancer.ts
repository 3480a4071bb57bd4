import type { ServiceInstance } from './instance.js';

/** How a client chooses among a service's instances. */
export type BalancingStrategy = 'round-robin' | 'least-outstanding' | 'power-of-two';
export const BALANCING_STRATEGIES: readonly BalancingStrategy[] = ['round-robin', 'least-outstanding', 'power-of-two'];

/** Passive health: how many failures in a row eject an instance, and for how long. */
export interface EjectionPolicy {
  /** Consecutive failures (unreachable, timed out, its own 5xx) that eject an instance. */
  consecutiveFailures: number;
  /** The first ejection lasts this long; each further one in a row adds as much again. */
  baseEjectionMs: number;
  /** No ejection lasts longer. */
  maxEjectionMs: number;
}

export const DEFAULT_EJECTION: EjectionPolicy = { consecutiveFailures: 2, baseEjectionMs: 5000, maxEjectionMs: 30_000 };

/** What the balancer knows about one instance. */
export interface InstanceStats {
  readonly id: string;
  readonly url: string;
  /** Calls sent and not answered yet. */
  outstanding: number;
  consecutiveFailures: number;
  /** Ejections in a row (reset by a success): each lasts longer. */
  ejections: number;
  /** Epoch ms until which it is not picked; 0 when it is not ejected. */
  ejectedUntil: number;
}

/** Picks instances, counts their outstanding calls and ejects the failing ones. */
export interface LoadBalancer {
  /**
   * The instance for the next try: among the known ones, not ejected and not in `exclude`
   * (already tried by this call). When every instance is ejected, ejection is ignored (a wrong
   * guess beats certain failure); `undefined` only when none is left at all.
   */
  pick(instances: readonly ServiceInstance[], exclude?: ReadonlySet<string>): InstanceStats | undefined;
  /** A call to `stats` was sent. */
  started(stats: InstanceStats): void;
  /** It was answered (any status but the instance's own 5xx). */
  succeeded(stats: InstanceStats): void;
  /** It failed: unreachable, timed out or its own 5xx. Returns true when this failure ejected it. */
  failed(stats: InstanceStats): boolean;
  /** Forgets instances no longer listed. */
  retain(instances: readonly ServiceInstance[]): void;
  /** Every instance known, for health and tests. */
  stats(): readonly InstanceStats[];
}

export interface LoadBalancerOptions {
  strategy: BalancingStrategy;
  ejection?: EjectionPolicy;
  now?: () => number;
  random?: () => number;
}

/**
 * Creates a balancer for one neighbour. `round-robin` takes turns; `least-outstanding` takes the
 * instance with the fewest calls in flight, taking turns among equals (so at low load it is
 * round robin, and a slow instance gets less work as its calls pile up); `power-of-two` compares
 * two instances chosen at random and takes the less busy (no herding when many clients decide at
 * once). Ejection is passive health checking, as Envoy's outlier detection does it.
 */
export function createLoadBalancer({ strategy, ejection = DEFAULT_EJECTION, now = Date.now, random = Math.random }: LoadBalancerOptions): LoadBalancer {
  const known = new Map<string, InstanceStats>();
  let turn = 0;

  const statsOf = (instance: ServiceInstance): InstanceStats => {
    let stats = known.get(instance.url);
    if (!stats) {
      stats = { id: instance.id, url: instance.url, outstanding: 0, consecutiveFailures: 0, ejections: 0, ejectedUntil: 0 };
      known.set(instance.url, stats);
    }
    return stats;
  };

  const choose = (candidates: readonly InstanceStats[]): InstanceStats | undefined => {
    const n = candidates.length;
    if (n <= 1) return candidates[0];
    const start = turn++ % n;
    if (strategy === 'round-robin') return candidates[start];
    if (strategy === 'power-of-two') {
      const a = Math.floor(random() * n);
      const b = (a + 1 + Math.floor(random() * (n - 1))) % n;
      const first = candidates[a] as InstanceStats;
      const second = candidates[b] as InstanceStats;
      return second.outstanding < first.outstanding ? second : first;
    }
    let best: InstanceStats | undefined;
    for (let i = 0; i < n; i++) {
      const candidate = candidates[(start + i) % n] as InstanceStats;
      if (!best || candidate.outstanding < best.outstanding) best = candidate;
    }
    return best;
  };

  return {
    pick(instances, exclude) {
      const untried = instances.filter((instance) => !exclude?.has(instance.url)).map(statsOf);
      if (untried.length === 0) return undefined;
      const at = now();
      const healthy = untried.filter((stats) => stats.ejectedUntil <= at);
      return choose(healthy.length > 0 ? healthy : untried);
    },
    started(stats) {
      stats.outstanding++;
    },
    succeeded(stats) {
      stats.outstanding = Math.max(0, stats.outstanding - 1);
      stats.consecutiveFailures = 0;
      stats.ejections = 0;
      stats.ejectedUntil = 0;
    },
    failed(stats) {
      stats.outstanding = Math.max(0, stats.outstanding - 1);
      stats.consecutiveFailures++;
      const at = now();
      if (stats.consecutiveFailures < ejection.consecutiveFailures || stats.ejectedUntil > at) return false;
      stats.ejections++;
      stats.ejectedUntil = at + Math.min(ejection.maxEjectionMs, ejection.baseEjectionMs * stats.ejections);
      return true;
    },
    retain(instances) {
      const urls = new Set(instances.map((instance) => instance.url));
      for (const url of known.keys()) if (!urls.has(url)) known.delete(url);
    },
    stats: () => [...known.values()],
  };
}
