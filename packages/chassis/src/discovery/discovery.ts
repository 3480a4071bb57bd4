import { SERVICES, type ServiceName } from '@microshop/contracts';
import type { ServiceIdentity } from '../identity/identity.js';
import { dnsResolver, type ClosableResolver } from './dns-resolver.js';
import type { Resolver, ServiceInstance } from './instance.js';
import { createRegistryDiscovery, type RegistryDiscovery } from './registry-discovery.js';
import { staticResolver } from './static-resolver.js';

/** The few logger methods discovery uses (pino's, or the app's). */
export interface DiscoveryLog {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface DiscoveryOptions {
  /** The registry; unset: neighbours without an explicit address are found on their default loopback port. */
  registryUrl?: string | undefined;
  /** This process's identity, for its calls to the registry. */
  identity: ServiceIdentity;
  /** How often lists are refreshed (registry polls, DNS lookups). */
  refreshMs: number;
  /**
   * Explicit addresses, which win over the registry: `http://a:1`, several separated by commas
   * (`http://a:1,http://b:2`), or `dns+http://name:port` (every address of the name: a Kubernetes
   * headless Service). Undefined for a neighbour: the registry finds it.
   */
  targets?: Record<string, string | undefined>;
  log?: DiscoveryLog;
}

/** Where one neighbour's instances come from, and which they are now. */
export interface NeighbourView {
  source: Resolver['source'];
  instances: readonly ServiceInstance[];
}

/** What discovery knows now, for `/health` and the UI. */
export interface DiscoveryView {
  /** The registry's URL, or null when none is used. */
  registry: string | null;
  /** True while the registry does not answer (the last known lists are in use). */
  stale: boolean;
  last_refresh_at: string | null;
  neighbours: Record<string, NeighbourView>;
}

/** A process's view of where its neighbours are. */
export interface Discovery {
  /** The resolver of one neighbour (the same object on every call). */
  resolver(service: string): Resolver;
  /** Refreshes every list now: start-up awaits it so the first calls have somewhere to go. */
  refresh(): Promise<void>;
  view(): DiscoveryView;
  close(): Promise<void>;
}

const silent: DiscoveryLog = { info: () => undefined, warn: () => undefined };

function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } } | null)?.cause?.code;
  return cause ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Resolves neighbours by name. The single-machine default is the embedded registry
 * (`REGISTRY_URL`); an explicit address per neighbour (static URLs, or DNS on a cluster) replaces it
 * by configuration, with no change to the code that calls.
 *
 * @example
 * const discovery = createDiscovery({ registryUrl: config.REGISTRY_URL, identity, refreshMs: 1000, targets: { 'product-service': config.PRODUCT_SERVICE_URL } })
 * const products = createServiceClient({ service: 'product-service', resolver: discovery.resolver('product-service'), timeoutMs: 2000 })
 */
export function createDiscovery({ registryUrl, identity, refreshMs, targets = {}, log = silent }: DiscoveryOptions): Discovery {
  let registry: RegistryDiscovery | undefined;
  const registryOf = (): RegistryDiscovery => {
    registry ??= createRegistryDiscovery({
      registryUrl: registryUrl as string,
      identity,
      refreshMs,
      onUnreachable: (error) => log.warn({ registry: registryUrl, reason: reason(error) }, 'the registry does not answer: calls go on with the last known instances'),
      onReachable: () => log.info({ registry: registryUrl }, 'the registry answers again'),
    });
    return registry;
  };
  const resolvers = new Map<string, Resolver>();
  const dns: ClosableResolver[] = [];

  const build = (service: string): Resolver => {
    const explicit = targets[service]?.trim();
    if (explicit?.startsWith('dns+')) {
      const resolver = dnsResolver({ service, url: explicit, refreshMs, onError: (error) => log.warn({ neighbour: service, reason: reason(error) }, 'DNS lookup failed: the last known addresses stay') });
      dns.push(resolver);
      return resolver;
    }
    if (explicit) return staticResolver(service, explicit.split(',').map((url) => url.trim()).filter(Boolean));
    if (registryUrl) return registryOf().resolver(service);
    const known = (SERVICES as Record<string, { port: number } | undefined>)[service as ServiceName];
    if (!known) throw new Error(`No address for ${service}: set its URL or REGISTRY_URL`);
    return staticResolver(service, [`http://127.0.0.1:${known.port}`]);
  };

  return {
    resolver(service) {
      let resolver = resolvers.get(service);
      if (!resolver) {
        resolver = build(service);
        resolvers.set(service, resolver);
      }
      return resolver;
    },
    refresh: async () => {
      await Promise.all([registry?.refresh(), ...dns.map((resolver) => resolver.refresh())]);
    },
    view() {
      const seen = registry?.view();
      const neighbours = Object.fromEntries([...resolvers.entries()].map(([service, resolver]) => [service, { source: resolver.source, instances: resolver.instances() }]));
      return { registry: registryUrl ?? null, stale: seen?.stale ?? false, last_refresh_at: seen?.last_refresh_at ?? null, neighbours };
    },
    close: async () => {
      dns.forEach((resolver) => resolver.close());
      await registry?.close();
    },
  };
}
