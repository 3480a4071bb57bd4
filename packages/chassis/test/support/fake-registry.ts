import type { RegisteredInstance, RegistryState } from '@microshop/contracts';
import { startFakeService, type FakeService } from '@microshop/testkit';

/** One passing instance as the registry lists it. */
export function registered(service: string, instanceId: string, url: string): RegisteredInstance {
  const { hostname, port } = new URL(url);
  const now = new Date().toISOString();
  return {
    service,
    instance_id: instanceId,
    url,
    host: hostname,
    port: Number(port),
    health_path: '/health',
    status: 'passing',
    pid: 1234,
    version: null,
    registered_at: now,
    last_heartbeat_at: now,
    last_check_at: now,
    consecutive_failures: 0,
    expires_at: new Date(Date.now() + 5000).toISOString(),
  };
}

/** The registry's `GET /v1/services` body for the given lists. */
export function registryState(services: Record<string, readonly RegisteredInstance[]>, warm = true): RegistryState {
  return {
    services: Object.entries(services).map(([service, instances]) => ({ service, instances: [...instances] })),
    events: [],
    started_at: new Date(Date.now() - 60_000).toISOString(),
    warm,
    ttl_ms: 5000,
    check_interval_ms: 1000,
  };
}

/** A fake registry answering `GET /v1/services` with whatever state the test set last. */
export interface FakeRegistry {
  fake: FakeService;
  url: string;
  set(state: RegistryState): void;
  /** The `GET /v1/services` requests received so far. */
  polls(): number;
}

export async function startFakeRegistry(initial: RegistryState = registryState({})): Promise<FakeRegistry> {
  const fake = await startFakeService();
  let state = initial;
  fake.on('GET', '/v1/services', () => ({ body: state }));
  return {
    fake,
    url: fake.url,
    set: (next) => {
      state = next;
    },
    polls: () => fake.calls.filter((call) => call.method === 'GET' && call.path === '/v1/services').length,
  };
}
