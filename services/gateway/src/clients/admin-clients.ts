import { createServiceClient, type ServiceClient } from '@microshop/chassis';
import { ADMIN_TOKEN_HEADER, BACKENDS, SERVICE_TOKEN_HEADER, type BackendName } from '@microshop/contracts';

/** The gateway's clients for admin operations: each service's `/internal/*` and the supervisor's control endpoint. */
export interface AdminClients {
  /** Calls a service's internal endpoints with the service credential. */
  internal: Record<BackendName, ServiceClient>;
  /** Calls the supervisor with the admin credential; undefined when none is configured. */
  supervisor: ServiceClient | undefined;
  close(): Promise<void>;
}

export interface AdminClientOptions {
  urls: Record<BackendName, string>;
  serviceToken: string;
  adminToken: string;
  supervisorUrl: string | undefined;
  timeoutMs: number;
}

/** Opens the admin clients: a small monitoring pool per service and one for the supervisor. */
export function connectAdminClients({ urls, serviceToken, adminToken, supervisorUrl, timeoutMs }: AdminClientOptions): AdminClients {
  const entries = BACKENDS.map(
    (service) =>
      [service, createServiceClient({ service, baseUrl: urls[service], timeoutMs, connections: 2, monitoring: true, headers: { [SERVICE_TOKEN_HEADER]: serviceToken } })] as const,
  );
  const internal = Object.fromEntries(entries) as Record<BackendName, ServiceClient>;
  const supervisor =
    supervisorUrl === undefined
      ? undefined
      : createServiceClient({ service: 'supervisor', baseUrl: supervisorUrl, timeoutMs, connections: 2, monitoring: true, headers: { [ADMIN_TOKEN_HEADER]: adminToken } });
  return {
    internal,
    supervisor,
    close: async () => {
      await Promise.all([...Object.values(internal).map((c) => c.close()), supervisor?.close()]);
    },
  };
}
