import type { App } from './server.js';
import { flushTelemetry } from './telemetry/shutdown.js';

export interface ListenOptions {
  port: number;
  host: string;
  /** Called once the server has stopped accepting requests (close databases, pools). */
  onClose?: () => Promise<void>;
}

/**
 * Listens on the port and stops gracefully on SIGINT/SIGTERM: in-flight requests finish, then
 * `onClose` runs, then the process exits. A port already in use stops the process with a message
 * that names the port and the service.
 */
export async function listen(app: App, { port, host, onClose, name }: ListenOptions & { name: string }): Promise<void> {
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

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, `${name} stopping`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      // Spans still waiting in the export buffer are sent before the process ends.
      () => flushTelemetry().then(() => process.exit(0)),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while stopping');
        process.exit(1);
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
