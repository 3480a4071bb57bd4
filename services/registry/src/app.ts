import { createServer, developmentIdentity, registerHealth, type App, type ServiceIdentity } from '@microshop/chassis';
import { createHttpProbe } from './clients/http-probe.js';
import { DEFAULT_ALLOWED_HOSTS } from './config.js';
import { parseAllowedHosts } from './domain/allowed-hosts.js';
import { createHealthChecker } from './domain/health-checker.js';
import { createRegistryStore } from './domain/store.js';
import { countEvent, registryHealthChecks, watchStore } from './metrics.js';
import { registerRegistryRoutes } from './routes/registry-routes.js';

export interface RegistryAppOptions {
  logLevel?: string | false;
  bodyLimit?: number;
  /** The registry's identity: whom its `/v1` routes believe; unset: the development one. */
  identity?: ServiceIdentity;
  /** No heartbeat for this long: evicted (default 5000). */
  ttlMs?: number;
  /** How often each instance is checked (default 1000). */
  checkIntervalMs?: number;
  /** Upper bound of one check (default 500). */
  checkTimeoutMs?: number;
  /** Consecutive failed checks that evict (default 2). */
  failuresToEvict?: number;
  /** Hosts instances may register at, as a comma list or items; `*` allows any. */
  allowedHosts?: string | readonly string[];
  now?: () => Date;
}

/**
 * Builds the registry's app. Never listens: `main.ts` does, tests inject. The health checker runs
 * from the moment the app is ready (listening) until it closes.
 */
export async function buildApp({
  logLevel,
  bodyLimit,
  identity = developmentIdentity('registry'),
  ttlMs = 5000,
  checkIntervalMs = 1000,
  checkTimeoutMs = 500,
  failuresToEvict = 2,
  allowedHosts = DEFAULT_ALLOWED_HOSTS,
  now = () => new Date(),
}: RegistryAppOptions = {}): Promise<App> {
  const app = await createServer({
    name: 'registry',
    description: 'The service registry: instances register and heartbeat, it health-checks them and tells clients which ones to call. In memory, rebuilt from heartbeats.',
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    identity,
  });

  const store = createRegistryStore({
    now,
    ttlMs,
    failuresToEvict,
    onEvent: (event) => {
      countEvent(event.kind);
      app.log.info({ service: event.service, instance_id: event.instance_id, kind: event.kind, detail: event.detail }, `${event.service}/${event.instance_id} ${event.kind}: ${event.detail}`);
    },
  });
  const http = createHttpProbe({ timeoutMs: checkTimeoutMs, intervalMs: checkIntervalMs });
  const checker = createHealthChecker({
    store,
    probe: http.probe,
    intervalMs: checkIntervalMs,
    onCheck: (target, result) => registryHealthChecks.inc({ service: target.service, outcome: result.outcome }),
    onError: (target, error) => app.log.error({ err: error, service: target.service, instance_id: target.instance_id }, 'health check failed unexpectedly'),
  });
  const unwatch = watchStore(store);

  app.addHook('onReady', async () => checker.start());
  app.addHook('onClose', async () => {
    unwatch();
    await checker.stop();
    await http.close();
  });

  registerHealth(app, { service: 'registry' });
  registerRegistryRoutes(app, {
    store,
    checker,
    allowedHosts: parseAllowedHosts(allowedHosts),
    checkIntervalMs,
    identity,
  });
  return app;
}
