import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Static, TObject } from 'typebox';
import type { DiscoveryConfig } from './config.js';
import { registerInstance, type Registration } from './discovery/registration.js';
import type { ServiceIdentity } from './identity/identity.js';
import type { App } from './server.js';
import { flushLogs } from './logger.js';
import { flushTelemetry } from './telemetry/shutdown.js';

/** How a process registers itself, from {@link registrationFrom}. */
export interface RegistrationSettings {
  registryUrl: string;
  identity: ServiceIdentity;
  /** Unset: `<service>-<port>`. */
  instanceId?: string | undefined;
  /** The address others reach it at. */
  advertiseHost: string;
  heartbeatMs: number;
  /** Time between leaving the registry and closing, on SIGTERM. */
  drainMs: number;
}

export interface ListenOptions {
  port: number;
  host: string;
  /** Called once the server has stopped accepting requests (close databases, pools). */
  onClose?: () => Promise<void>;
  /** Registers the process once it listens, renews it, and leaves (then drains) on SIGTERM; absent: no registry. */
  registration?: RegistrationSettings | undefined;
}

type DiscoveryValues = Static<TObject<typeof DiscoveryConfig>>;

/** The registration a process's config asks for: none without `REGISTRY_URL`. */
export function registrationFrom(config: DiscoveryValues & { HOST: string }, identity: ServiceIdentity): RegistrationSettings | undefined {
  if (!config.REGISTRY_URL) return undefined;
  const wildcard = config.HOST === '0.0.0.0' || config.HOST === '::' || config.HOST === '';
  return {
    registryUrl: config.REGISTRY_URL,
    identity,
    instanceId: config.INSTANCE_ID,
    advertiseHost: config.ADVERTISE_HOST ?? (wildcard ? '127.0.0.1' : config.HOST),
    heartbeatMs: config.HEARTBEAT_MS,
    drainMs: config.DRAIN_MS,
  };
}

/**
 * Listens on the port and stops gracefully on SIGINT/SIGTERM: in-flight requests finish, then
 * `onClose` runs, then the process exits. A port already in use stops the process with a message
 * that names the port and the service.
 */
export async function listen(app: App, { port, host, onClose, name, registration: settings }: ListenOptions & { name: string }): Promise<void> {
  if (onClose) app.addHook('onClose', onClose);
  try {
    await app.listen({ port, host });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'EADDRINUSE' ? `port ${port} is already in use` : String(error);
    app.log.fatal({ err: error }, `${name} cannot start: ${reason}`);
    process.stderr.write(`${name} cannot start: ${reason}\n`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }

  let registration: Registration | undefined;
  if (settings) {
    const actualPort = (app.server.address() as AddressInfo).port;
    const instanceId = settings.instanceId ?? `${name}-${actualPort}`;
    const where = { registry: settings.registryUrl, instance_id: instanceId };
    registration = registerInstance({
      registryUrl: settings.registryUrl,
      identity: settings.identity,
      service: name,
      instanceId,
      host: settings.advertiseHost,
      port: actualPort,
      heartbeatMs: settings.heartbeatMs,
      onFailure: (error) => app.log.warn({ ...where, reason: error instanceof Error ? error.message : String(error) }, 'cannot register with the registry: retrying with every heartbeat'),
      onRecovered: () => app.log.info(where, 'registered with the registry again'),
    });
    if (await registration.first) app.log.info(where, `${name} registered as ${instanceId}`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, `${name} stopping`);
    const force = setTimeout(() => process.exit(1), 10_000 + (settings?.drainMs ?? 0));
    force.unref();
    // Leave the registry first, then keep serving while the clients drop this instance from their
    // lists; only then stop accepting connections and let in-flight requests finish.
    const drain = async () => {
      if (!registration || !settings) return;
      await registration.deregister();
      if (settings.drainMs > 0) {
        app.log.info({ drain_ms: settings.drainMs }, `${name} left the registry: draining`);
        await sleep(settings.drainMs);
      }
    };
    drain().then(() => app.close()).then(
      // Spans still waiting in the export buffer, and log lines still gathered, are sent before the process ends.
      () => flushTelemetry().then(() => flushLogs()).then(() => process.exit(0)),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while stopping');
        void flushLogs().then(() => process.exit(1));
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/**
 * Runs a service's start-up. A configuration error prints one line naming the variable; any other
 * start-up failure prints its error; both exit with status 1.
 */
export function start(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error && error.name === 'ConfigError' ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${name} cannot start: ${message}\n`);
    process.exit(1);
  });
}
