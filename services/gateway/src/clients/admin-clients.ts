import { createServiceClient, resolverOf, type ServiceClient, type ServiceInstance } from '@microshop/chassis';
import { ADMIN_TOKEN_HEADER, BACKENDS, SERVICE_TOKEN_HEADER, type BackendName } from '@microshop/contracts';
import { byId, instanceClients } from './instance-clients.js';
import type { ServiceLocation } from './upstreams.js';

/** How long a scaling request may take: the supervisor answers once the new instances are ready (or the old ones drained). */
export const SCALE_TIMEOUT_MS = 30_000;

/** One service's internal endpoints: every instance has its own faults and switches, so each is reached on its own. */
export interface InternalTarget {
  service: BackendName;
  /** Its instances now, in id order. */
  instances(): readonly ServiceInstance[];
  /** A client pinned to one instance, with the service credential. */
  of(instance: ServiceInstance): ServiceClient;
}

/** The gateway's clients for admin operations: each service's `/internal/*` and the supervisor's control endpoint. */
export interface AdminClients {
  internal: Record<BackendName, InternalTarget>;
  /** Calls the supervisor with the admin credential, within the probe budget; undefined when none is configured. */
  supervisor: ServiceClient | undefined;
  /** The same, with the longer budget scaling needs. */
  scaler: ServiceClient | undefined;
  close(): Promise<void>;
}

export interface AdminClientOptions {
  services: Record<BackendName, ServiceLocation>;
  serviceToken: string;
  adminToken: string;
  supervisorUrl: string | undefined;
  timeoutMs: number;
}

/** Opens the admin clients: a small monitoring pool per instance and two for the supervisor. */
export function connectAdminClients({ services, serviceToken, adminToken, supervisorUrl, timeoutMs }: AdminClientOptions): AdminClients {
  const pools = BACKENDS.map((service) => {
    const resolver = resolverOf(service, services[service]);
    const pinned = instanceClients((baseUrl) => createServiceClient({ service, baseUrl, timeoutMs, connections: 2, monitoring: true, headers: { [SERVICE_TOKEN_HEADER]: serviceToken } }));
    const target: InternalTarget = {
      service,
      instances: () => {
        const listed = [...resolver.instances()].sort(byId);
        pinned.retain(listed);
        return listed;
      },
      of: (instance) => pinned.of(instance),
    };
    return { target, pinned };
  });
  const internal = Object.fromEntries(pools.map(({ target }) => [target.service, target])) as Record<BackendName, InternalTarget>;
  const supervisorClient = (budgetMs: number) =>
    supervisorUrl === undefined
      ? undefined
      : createServiceClient({ service: 'supervisor', baseUrl: supervisorUrl, timeoutMs: budgetMs, connections: 2, monitoring: true, headers: { [ADMIN_TOKEN_HEADER]: adminToken } });
  const supervisor = supervisorClient(timeoutMs);
  const scaler = supervisorClient(Math.max(timeoutMs, SCALE_TIMEOUT_MS));
  return {
    internal,
    supervisor,
    scaler,
    close: async () => {
      await Promise.all([...pools.map(({ pinned }) => pinned.close()), supervisor?.close(), scaler?.close()]);
    },
  };
}
