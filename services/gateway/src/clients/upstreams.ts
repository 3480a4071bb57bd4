import { createServiceClient, pinnedResolver, resolverOf, type BalancingStrategy, type Resilience, type ServiceClient, type ServiceInstance, type ServiceTarget } from '@microshop/chassis';
import { BACKENDS, type BackendName } from '@microshop/contracts';
import { instanceClients, instanceLists, type InstanceLists } from './instance-clients.js';

/** Where a service is: a base URL (one fixed instance) or a resolver (discovery's list of instances). */
export type ServiceLocation = ServiceTarget;

/** One service behind the gateway: where its instances are, and the clients that reach them. */
export interface Upstream extends InstanceLists {
  service: BackendName;
  /** Forwards public requests, balanced over the instances, within the call budget. */
  api: ServiceClient;
  /** Asks any one instance for its API document, within a shorter budget; not counted as traffic. */
  probe: ServiceClient;
  /** A probe pinned to one instance: health checks and metric scrapes reach every instance, not any. */
  probeOf(instance: ServiceInstance): ServiceClient;
}

export type Upstreams = Record<BackendName, Upstream>;

export interface UpstreamOptions {
  services: Record<BackendName, ServiceLocation>;
  callTimeoutMs: number;
  probeTimeoutMs: number;
  /** How the api clients pick an instance (`LOAD_BALANCER`). */
  balancing?: BalancingStrategy | undefined;
  /** The gateway's resilience, applied to forwarded calls (never to probes). */
  resilience?: Resilience | undefined;
}

/** The gateway's clients: per service a balanced keep-alive pool for traffic, one for documents, and one probe per instance. */
export function connectUpstreams({ services, callTimeoutMs, probeTimeoutMs, balancing, resilience }: UpstreamOptions): { upstreams: Upstreams; close(): Promise<void> } {
  const closers: (() => Promise<void>)[] = [];
  const entries = BACKENDS.map((service): [BackendName, Upstream] => {
    const resolver = resolverOf(service, services[service]);
    const pinned = instanceClients((instance) => createServiceClient({ service, resolver: pinnedResolver(service, instance), timeoutMs: probeTimeoutMs, connections: 2, monitoring: true }));
    const upstream: Upstream = {
      service,
      ...instanceLists(resolver, pinned),
      api: createServiceClient({ service, resolver, timeoutMs: callTimeoutMs, resilience, ...(balancing ? { balancing } : {}) }),
      probe: createServiceClient({ service, resolver, timeoutMs: probeTimeoutMs, connections: 4, monitoring: true }),
      probeOf: (instance) => pinned.of(instance),
    };
    closers.push(() => upstream.api.close(), () => upstream.probe.close(), () => pinned.close());
    return [service, upstream];
  });
  return {
    upstreams: Object.fromEntries(entries) as Upstreams,
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
