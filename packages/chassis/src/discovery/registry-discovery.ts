import type { RegisteredInstance, RegistryState } from '@microshop/contracts';
import { Pool } from 'undici';
import type { ServiceIdentity } from '../identity/identity.js';
import { trimUrl, type Resolver, type ServiceInstance } from './instance.js';

export interface RegistryDiscoveryOptions {
  /** The registry's base URL, e.g. `http://127.0.0.1:5010`. */
  registryUrl: string;
  /** This process's identity (the registry answers its own services only). */
  identity: ServiceIdentity;
  /** How often the lists are fetched again. */
  refreshMs: number;
  /** Budget of one fetch. */
  timeoutMs?: number;
  /** Told once when the registry stops answering, and once when it answers again. */
  onUnreachable?: (error: unknown) => void;
  onReachable?: () => void;
}

/** What a registry-backed discovery knows now. */
export interface RegistryView {
  registry_url: string;
  /** When the lists were last fetched; null before the first answer. */
  last_refresh_at: string | null;
  /** True while the registry does not answer: the last known lists are in use. */
  stale: boolean;
  services: Record<string, readonly ServiceInstance[]>;
}

/** Every service's passing instances, fetched from the registry in the background. */
export interface RegistryDiscovery {
  resolver(service: string): Resolver;
  /** Fetches at once; resolves when done (also when the registry did not answer). */
  refresh(): Promise<void>;
  view(): RegistryView;
  close(): Promise<void>;
}

const toInstance = (instance: RegisteredInstance): ServiceInstance => ({ id: instance.instance_id, url: trimUrl(instance.url) });

/**
 * The next list of one service, from the last known one and the registry's answer:
 * - a registry that is not `warm` yet (just restarted, not every heartbeat in) can only add;
 * - an empty answer never replaces a non-empty list (self-preservation, as Eureka does it: losing
 *   every instance at once is more likely the registry's problem than theirs; the client's own
 *   ejection still keeps dead instances out of the way);
 * - otherwise the answer replaces the list (instances that left or were evicted go).
 */
export function nextList(previous: readonly ServiceInstance[], fetched: readonly ServiceInstance[], warm: boolean): readonly ServiceInstance[] {
  if (fetched.length === 0) return previous;
  if (warm) return fetched;
  const merged = new Map(previous.map((instance) => [instance.id, instance]));
  for (const instance of fetched) merged.set(instance.id, instance);
  return [...merged.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Polls the registry's `GET /v1/services` every `refreshMs` (one request for every service) and
 * keeps each service's list of passing instances. Resolvers read the lists synchronously; while
 * the registry is down they keep the last known ones, and the calls keep flowing.
 */
export function createRegistryDiscovery({ registryUrl, identity, refreshMs, timeoutMs = 1000, onUnreachable, onReachable }: RegistryDiscoveryOptions): RegistryDiscovery {
  // The request's own signal is its only time limit: undici's headers and body timeouts run on a
  // clock of half-second ticks and can fire half a second early (see service-client.ts).
  const pool = new Pool(trimUrl(registryUrl), { connections: 1, keepAliveTimeout: Math.max(refreshMs * 3, 4000), headersTimeout: 0, bodyTimeout: 0 });
  const lists = new Map<string, readonly ServiceInstance[]>();
  let lastRefresh: Date | null = null;
  let stale = false;
  let inFlight: Promise<void> | undefined;
  let closed = false;

  const fetchOnce = async (): Promise<void> => {
    try {
      const response = await pool.request({
        method: 'GET',
        path: '/v1/services?status=passing',
        headers: { accept: 'application/json', ...identity.headersFor('registry') },
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) throw new Error(`the registry answered ${response.statusCode}: ${text.slice(0, 200)}`);
      const state = JSON.parse(text) as RegistryState;
      const seen = new Set<string>();
      for (const { service, instances } of state.services) {
        seen.add(service);
        lists.set(service, nextList(lists.get(service) ?? [], instances.map(toInstance), state.warm));
      }
      // A service the registry no longer lists at all keeps its last list too (self-preservation).
      lastRefresh = new Date();
      if (stale) onReachable?.();
      stale = false;
    } catch (error) {
      if (!stale && !closed) onUnreachable?.(error);
      stale = true;
    }
  };
  const refresh = (): Promise<void> => {
    inFlight ??= fetchOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  const timer = setInterval(() => void refresh(), refreshMs);
  timer.unref();
  void refresh();

  return {
    resolver: (service) => ({ service, source: 'registry', instances: () => lists.get(service) ?? [], refresh }),
    refresh,
    view: () => ({
      registry_url: trimUrl(registryUrl),
      last_refresh_at: lastRefresh?.toISOString() ?? null,
      stale: stale || lastRefresh === null,
      services: Object.fromEntries([...lists.entries()].sort(([a], [b]) => a.localeCompare(b))),
    }),
    close: async () => {
      closed = true;
      clearInterval(timer);
      await inFlight;
      await pool.close();
    },
  };
}
