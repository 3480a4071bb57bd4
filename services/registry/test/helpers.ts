import { afterEach } from 'vitest';
import { PRINCIPALS, type App } from '@microshop/chassis';
import type { RegisteredInstance, RegistryState, ServiceInstances } from '@microshop/contracts';
import { listenOnFreePort, request, startFakeService, testKeys, type FakeService, type JsonResponse } from '@microshop/testkit';
import { buildApp, type RegistryAppOptions } from '../src/app.js';

/** The key set of the registry tests: the registry trusts every principal of it. */
export const keys = testKeys();

/**
 * Who calls: a write (`PUT`/`DELETE` of an instance) is signed by the service it is about, as each
 * instance registers itself; a read by the gateway.
 */
export function callerFor(method: string, path: string): string {
  const written = /^\/v1\/services\/([^/]+)\/instances\/[^/]+$/.exec(path)?.[1];
  const service = written === undefined ? undefined : decodeURIComponent(written);
  return (method === 'PUT' || method === 'DELETE') && service !== undefined && (PRINCIPALS as readonly string[]).includes(service) ? service : 'gateway';
}

/** A registry on a free port, and calls to it with a service token of the right principal. */
export interface TestRegistry {
  app: App;
  url: string;
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<JsonResponse<T>>;
  register(service: string, id: string, body: Record<string, unknown>): Promise<JsonResponse<RegisteredInstance>>;
  instances(service: string, status?: 'passing' | 'all'): Promise<RegisteredInstance[]>;
  state(status?: 'passing' | 'all'): Promise<RegistryState>;
}

/** Starts a registry with short intervals unless told otherwise. */
export async function startRegistry(options: RegistryAppOptions = {}): Promise<TestRegistry> {
  const app = await buildApp({ logLevel: false, identity: keys.identity('registry'), ttlMs: 5000, checkIntervalMs: 50, checkTimeoutMs: 200, ...options });
  const url = await listenOnFreePort(app);
  const call = <T>(method: string, path: string, body?: unknown) => request<T>(url, method, path, body, keys.headers(callerFor(method, path), 'registry'));
  return {
    app,
    url,
    call,
    register: (service, id, body) => call<RegisteredInstance>('PUT', `/v1/services/${service}/instances/${id}`, body),
    instances: async (service, status = 'passing') => (await call<ServiceInstances>('GET', `/v1/services/${service}/instances?status=${status}`)).body.instances,
    state: async (status = 'all') => (await call<RegistryState>('GET', `/v1/services?status=${status}`)).body,
  };
}

/** A fake instance whose `/health` answers 200 while `healthy` is true, 503 otherwise. */
export interface FakeInstance extends FakeService {
  port: number;
  healthy: boolean;
  /** How many health checks it has received. */
  checks(): number;
}

export async function startFakeInstance(options: { delayMs?: number; hang?: boolean } = {}): Promise<FakeInstance> {
  const fake = await startFakeService();
  const instance = Object.assign(fake, {
    port: Number(new URL(fake.url).port),
    healthy: true,
    checks: () => fake.calls.filter((call) => call.path === '/health').length,
  });
  fake.on('GET', '/health', () => ({
    status: instance.healthy ? 200 : 503,
    body: { status: instance.healthy ? 'ok' : 'down' },
    ...(options.delayMs ? { delayMs: options.delayMs } : {}),
    ...(options.hang ? { hang: true } : {}),
  }));
  return instance;
}

/** Polls until `probe` returns something truthy; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Registries and fake instances for one test file, closed after each test: call it once inside a
 * `describe`.
 */
export function useRegistries(): {
  registry(options?: RegistryAppOptions): Promise<TestRegistry>;
  fake(options?: Parameters<typeof startFakeInstance>[0]): Promise<FakeInstance>;
} {
  const registries: TestRegistry[] = [];
  const fakes: FakeInstance[] = [];
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.app.close()));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });
  return {
    registry: async (options = {}) => {
      const started = await startRegistry(options);
      registries.push(started);
      return started;
    },
    fake: async (options = {}) => {
      const started = await startFakeInstance(options);
      fakes.push(started);
      return started;
    },
  };
}
