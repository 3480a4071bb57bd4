import { createServiceClient, pinnedResolver, resolverOf, type ServiceClient, type ServiceIdentity, type ServiceInstance } from '@microshop/chassis';
import { ADMIN_TOKEN_HEADER, BACKENDS, type BackendName } from '@microshop/contracts';
import { Pool } from 'undici';
import { instanceClients, instanceLists, type InstanceLists } from './instance-clients.js';
import type { ServiceLocation } from './upstreams.js';

/** How long a scaling request may take: the supervisor answers once the new instances are ready (or the old ones drained). */
export const SCALE_TIMEOUT_MS = 30_000;

/** How long a rollout may take: the supervisor answers once every instance is replaced, each one started and the old one drained (a few seconds per instance). */
export const ROLLOUT_TIMEOUT_MS = 180_000;

/** One answer of the supervisor: its status and parsed body. */
export interface SupervisorAnswer<T> {
  status: number;
  body: T;
}

/**
 * Calls to the supervisor that may take longer than any call through the chassis client (which
 * stops waiting after its 60 s safety cap when, as here, it runs without timeouts): a rollout of
 * several instances. With the admin credential, within `timeoutMs`.
 */
export interface LongSupervisorCalls {
  post<T>(path: string, body: unknown): Promise<SupervisorAnswer<T>>;
  close(): Promise<void>;
}

function longSupervisorCalls(supervisorUrl: string, adminToken: string, timeoutMs: number): LongSupervisorCalls {
  // Each request's own signal is its only time limit: undici's headers and body timeouts run on a
  // clock of half-second ticks and can fire half a second early.
  const pool = new Pool(new URL(supervisorUrl).origin, { connections: 4, headersTimeout: 0, bodyTimeout: 0 });
  return {
    async post<T>(path: string, body: unknown): Promise<SupervisorAnswer<T>> {
      const response = await pool.request({
        method: 'POST',
        path,
        headers: { accept: 'application/json', 'content-type': 'application/json', [ADMIN_TOKEN_HEADER]: adminToken },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.body.text();
      return { status: response.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
    },
    close: () => pool.close(),
  };
}

/** One service's internal endpoints: every instance has its own faults and switches, so each is reached on its own. */
export interface InternalTarget extends InstanceLists {
  service: BackendName;
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
  /** The supervisor's long operations (a rollout), with the budget of a whole rollout. */
  deployer: LongSupervisorCalls | undefined;
  close(): Promise<void>;
}

export interface AdminClientOptions {
  services: Record<BackendName, ServiceLocation>;
  /** The gateway's identity: the services' `/internal/*` routes take its tokens. */
  identity: ServiceIdentity;
  adminToken: string;
  supervisorUrl: string | undefined;
  timeoutMs: number;
}

/** Opens the admin clients: a small monitoring pool per instance and two for the supervisor. */
export function connectAdminClients({ services, identity, adminToken, supervisorUrl, timeoutMs }: AdminClientOptions): AdminClients {
  const pools = BACKENDS.map((service) => {
    const resolver = resolverOf(service, services[service]);
    const pinned = instanceClients((instance) => createServiceClient({ service, resolver: pinnedResolver(service, instance), timeoutMs, connections: 2, monitoring: true, identity }));
    const target: InternalTarget = {
      service,
      ...instanceLists(resolver, pinned),
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
  const deployer = supervisorUrl === undefined ? undefined : longSupervisorCalls(supervisorUrl, adminToken, Math.max(timeoutMs, ROLLOUT_TIMEOUT_MS));
  return {
    internal,
    supervisor,
    scaler,
    deployer,
    close: async () => {
      await Promise.all([...pools.map(({ pinned }) => pinned.close()), supervisor?.close(), scaler?.close(), deployer?.close()]);
    },
  };
}
