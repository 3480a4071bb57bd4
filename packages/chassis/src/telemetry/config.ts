import path from 'node:path';
import { Type, type Static } from 'typebox';
import { readConfig } from '../config.js';

/**
 * The variables telemetry reads. The OpenTelemetry ones keep their standard meaning; the SDK and
 * the OTLP exporter also read their own (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_*`, …).
 */
const TelemetryConfig = Type.Object({
  /** `true` turns tracing off entirely: no SDK, no hooks, no spans, no `x-trace-id`. */
  OTEL_SDK_DISABLED: Type.Optional(Type.String()),
  /** The service's name on every span; `npm start` and the supervisor set it. */
  OTEL_SERVICE_NAME: Type.Optional(Type.String({ minLength: 1 })),
  /** A real trace backend (Jaeger, Tempo, a Collector): spans go there instead of the gateway. */
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Keep sending spans to the gateway's store as well when a backend is configured. */
  TRACES_TO_GATEWAY: Type.Optional(Type.Boolean()),
  /** Where the gateway's OTLP receiver is: `<GATEWAY_URL>/v1/traces`. */
  GATEWAY_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:5000' }),
  /** Milliseconds between two exports of finished spans. */
  OTEL_BSP_SCHEDULE_DELAY: Type.Integer({ minimum: 1, maximum: 60_000, default: 1000 }),
});
type RawTelemetryConfig = Static<typeof TelemetryConfig>;

/** Telemetry settings, decided once at start-up. */
export interface TelemetrySettings {
  enabled: boolean;
  serviceName: string;
  /** Send spans to the gateway (over OTLP/HTTP, or straight into its store in the gateway itself). */
  toGateway: boolean;
  /** `<GATEWAY_URL>/v1/traces`. */
  gatewayTracesUrl: string;
  /** Send spans to the standard OTLP endpoint variables' backend. */
  toBackend: boolean;
  exportDelayMs: number;
}

/**
 * `services/order-service/dist/main.js` → `order-service`: the service folder of the entry script,
 * else the working directory's name.
 */
export function serviceNameFromPath(entry: string | undefined, cwd: string): string {
  const match = entry ? /[\\/]services[\\/]([^\\/]+)[\\/]/.exec(entry) : null;
  return match?.[1] ?? path.basename(cwd);
}

/**
 * Reads the telemetry settings from the environment; a bad value throws a ConfigError naming the
 * variable.
 *
 * @example
 * readTelemetrySettings({ OTEL_SERVICE_NAME: 'order-service' }).gatewayTracesUrl // 'http://127.0.0.1:5000/v1/traces'
 */
export function readTelemetrySettings(env: NodeJS.ProcessEnv = process.env, entry = process.argv[1], cwd = process.cwd()): TelemetrySettings {
  const raw: RawTelemetryConfig = readConfig(TelemetryConfig, env);
  const toBackend = raw.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || raw.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
  return {
    enabled: raw.OTEL_SDK_DISABLED?.trim().toLowerCase() !== 'true',
    serviceName: raw.OTEL_SERVICE_NAME ?? serviceNameFromPath(entry, cwd),
    toGateway: raw.TRACES_TO_GATEWAY ?? !toBackend,
    gatewayTracesUrl: `${raw.GATEWAY_URL.replace(/\/+$/, '')}/v1/traces`,
    toBackend,
    exportDelayMs: raw.OTEL_BSP_SCHEDULE_DELAY,
  };
}
