import type { Resolver, ServiceClient, ServiceInstance } from '@microshop/chassis';

/** Clients pinned to single instances of a service, one per instance URL, opened on first use. */
export interface InstanceClients {
  /** The client that reaches exactly this instance (never balanced to another). */
  of(instance: ServiceInstance): ServiceClient;
  /** Closes the clients of instances no longer in `instances`. */
  retain(instances: readonly ServiceInstance[]): void;
  close(): Promise<void>;
}

/**
 * Per-instance clients, for what must reach every instance rather than any one: health checks,
 * metric scrapes, faults and switches set on each. Balanced clients cannot do it: they pick.
 */
export function instanceClients(open: (instance: ServiceInstance) => ServiceClient): InstanceClients {
  const clients = new Map<string, ServiceClient>();
  return {
    of(instance) {
      let client = clients.get(instance.url);
      if (!client) {
        client = open(instance);
        clients.set(instance.url, client);
      }
      return client;
    },
    retain(instances) {
      const urls = new Set(instances.map((instance) => instance.url));
      for (const [url, client] of clients) {
        if (urls.has(url)) continue;
        clients.delete(url);
        void client.close().catch(() => undefined);
      }
    },
    close: async () => {
      await Promise.all([...clients.values()].map((client) => client.close()));
      clients.clear();
    },
  };
}

/** Natural order of instance ids: `order-service-2` before `order-service-10`. */
export const byId = (a: ServiceInstance, b: ServiceInstance): number => a.id.localeCompare(b.id, 'en', { numeric: true });

/** A service's instances as the gateway reads them: now, or after asking discovery again when none is known. */
export interface InstanceLists {
  /** Its instances now, in id order; the pinned clients of instances no longer listed are closed. */
  instances(): readonly ServiceInstance[];
  /**
   * The same, asking discovery again first when none is known: a service that registered after
   * the gateway's last look (just after start-up) is found at once, as the service client finds it
   * for a request.
   */
  known(): Promise<readonly ServiceInstance[]>;
}

/** Reads `resolver`'s instances in id order, keeping `pinned` to the instances listed. */
export function instanceLists(resolver: Resolver, pinned: Pick<InstanceClients, 'retain'>): InstanceLists {
  const instances = () => {
    const listed = [...resolver.instances()].sort(byId);
    pinned.retain(listed);
    return listed;
  };
  return {
    instances,
    known: async () => {
      if (resolver.instances().length === 0) await resolver.refresh?.();
      return instances();
    },
  };
}
