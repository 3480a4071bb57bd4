/**
 * The telemetry preload: `node --import @microshop/chassis/telemetry/register dist/main.js`.
 *
 * It runs before any module of the service is loaded, which is what instrumentation needs: it
 * starts the SDK, then patches `node:http` and `node:https` at once and copies the patched
 * functions into their ES-module bindings, so that `import { request } from 'node:http'` is traced
 * as `require('node:http').request` is. No loader hook is registered: with one, every import of
 * the process would take a round trip to Node's loader thread (about a second of CPU per process
 * at start-up on Node 20). With `OTEL_SDK_DISABLED=true` it does nothing at all.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
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
  // The http instrumentation patches a core module when it is next required: require both now,
  // then update the ES-module bindings of every core module to the patched functions.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  syncBuiltinESMExports();
}
