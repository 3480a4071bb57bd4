/**
 * The telemetry preload: `node --import @microshop/chassis/telemetry/register dist/main.js`.
 *
 * It runs before any module of the service is loaded, which is what instrumentation needs: it
 * registers the ESM loader hook (import-in-the-middle, through @opentelemetry/instrumentation) so
 * that `node:http` imported from ES modules is patched too, then starts the SDK. With
 * `OTEL_SDK_DISABLED=true` it does nothing at all.
 */
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { defaultOtelEnvironment, readTelemetrySettings, type TelemetrySettings } from './config.js';

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
  defaultOtelEnvironment();
  // Resolved next to the SDK that depends on it, wherever the package manager put it.
  const sdkRequire = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/instrumentation-http'));
  const hook = pathToFileURL(sdkRequire.resolve('@opentelemetry/instrumentation/hook.mjs'));
  // Only the modules an instrumentation patches go through the hook; every other import is left alone.
  register(hook, import.meta.url, { data: { include: ['node:http', 'node:https', 'http', 'https'] } });
  const { startTelemetry } = await import('./sdk.js');
  startTelemetry(settings);
}
