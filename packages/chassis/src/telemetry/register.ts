/**
 * The telemetry preload: `node --import @microshop/chassis/telemetry/register dist/main.js`.
 *
 * It runs before any module of the service is loaded, and starts tracing: the SDK, server spans for
 * every `node:http` server of the process (`Server.prototype.emit`, shared by every import of
 * `node:http`, so nothing has to be re-exported to ES modules) and client spans for every call of the
 * chassis client. No loader hook is registered: with one, every import of the process
 * would take a round trip to Node's loader thread (about a second of CPU per process at start-up on
 * Node 20). With `OTEL_SDK_DISABLED=true` it does nothing at all.
 */
import { readTelemetrySettings, type TelemetrySettings } from './config.js';

function settingsOrExit(): TelemetrySettings {
  try {
    return readTelemetrySettings();
  } catch (error) {
    process.stderr.write(`${process.env.OTEL_SERVICE_NAME ?? 'service'} cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

const settings = settingsOrExit();
if (settings.enabled) {
  const { startTelemetry } = await import('./sdk.js');
  startTelemetry(settings);
}
