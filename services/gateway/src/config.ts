import { BaseConfig, ConfigError, DiscoveryConfig, readConfig } from '@microshop/chassis';
import { BACKENDS, SERVICES, type BackendName } from '@microshop/contracts';
import { Type, type Static } from 'typebox';
import { SUITE_FILE, TOPOLOGIES_FILE } from './routes/bench-routes.js';

/** The variable holding each service's explicit address (unset: the registry finds it). */
export const SERVICE_URL_VARIABLES = {
  'user-service': 'USER_SERVICE_URL',
  'product-service': 'PRODUCT_SERVICE_URL',
  'order-service': 'ORDER_SERVICE_URL',
  'payment-service': 'PAYMENT_SERVICE_URL',
} as const satisfies Record<BackendName, string>;

const ORIGIN = 'https?://[^/?#\\s,]+/?';

/**
 * An explicit address, which wins over the registry (clusters, tests): one origin
 * (`http://127.0.0.1:5001`), several separated by commas (one per instance), or
 * `dns+http://name:port` (every address the name resolves to). Unset: discovery finds the service.
 */
const serviceUrl = (service: BackendName | 'payment-provider') =>
  Type.Optional(
    Type.String({
      pattern: `^(dns\\+${ORIGIN}|${ORIGIN}(\\s*,\\s*${ORIGIN})*)$`,
      description: `Address of the ${service}: a URL, a comma-separated list, or dns+http://name:port; unset: the registry (or port ${SERVICES[service].port} without one)`,
    }),
  );

const GatewayConfig = Type.Object({
  ...BaseConfig,
  ...DiscoveryConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES.gateway.port }),
  USER_SERVICE_URL: serviceUrl('user-service'),
  PRODUCT_SERVICE_URL: serviceUrl('product-service'),
  ORDER_SERVICE_URL: serviceUrl('order-service'),
  PAYMENT_SERVICE_URL: serviceUrl('payment-service'),
  /** The simulated payment provider (its behaviour on the admin API, its ledger in the consistency check). */
  PAYMENT_PROVIDER_URL: serviceUrl('payment-provider'),
  /** Budget for one composed view (`/api/users/:id/details`, `/api/orders/:id/details`), all its calls included. */
  COMPOSE_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 3000 }),
  /** Budget for asking one service for its health or its OpenAPI document. */
  HEALTH_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
  /** How often the live overview (`/api/overview`) scrapes every service's `/health` and `/metrics`; 0 turns it off. */
  OVERVIEW_SCRAPE_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 2000 }),
  /** Traces the in-memory trace store keeps (the most recent ones). */
  TRACE_STORE_MAX_TRACES: Type.Integer({ minimum: 1, maximum: 100_000, default: 500 }),
  /** Spans kept per trace; later ones are dropped and counted. */
  TRACE_STORE_MAX_SPANS_PER_TRACE: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000 }),
  /** Spans kept in all traces together: the bound on the store's memory. */
  TRACE_STORE_MAX_SPANS: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20_000 }),
  /**
   * The credential the admin API (`/api/admin/*`, `/api/traffic`) requires in `x-admin-token`.
   * Unset: a random development one kept in the git-ignored `.microshop/admin-token`.
   */
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  /** The supervisor's control endpoint (kill, pause, resume, restart); `npm start` sets it. */
  SUPERVISOR_URL: Type.String({ format: 'uri', pattern: '^https?://[^/?#\\s]+/?$', default: 'http://127.0.0.1:5099' }),
  /**
   * Sustained requests per second one client (an IPv4 address, an IPv6 /64) may send; 0 turns the
   * limit off. Enough for a person on the UI beside a full-rate traffic run (50/s) from the same
   * machine; a load test from one address sets 0 (the benchmark and the end-to-end suites do).
   */
  RATE_LIMIT_RPS: Type.Number({ minimum: 0, maximum: 1_000_000, default: 100 }),
  /** Requests a client that has been quiet may send at once, over the sustained rate (a page load, a burst of clicks). */
  RATE_LIMIT_BURST: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 200 }),
  /** Clients the rate limiter tracks at most: the bound on its memory (about 130 bytes each, 1.3 MB at the default). */
  RATE_LIMIT_MAX_CLIENTS: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
  /** Time a client has to send a request's headers: a connection trickling them (slowloris) is answered 408 and closed. */
  HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000 }),
  /** Time a client has to send a whole request, body included; at least HEADERS_TIMEOUT_MS. */
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
  /** How long an idle keep-alive connection from a client stays open. */
  KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000 }),
  /** The topology comparison `GET /api/bench/topologies` serves: relative to the repository root, or absolute. */
  BENCH_TOPOLOGIES_FILE: Type.String({ minLength: 1, default: TOPOLOGIES_FILE }),
  /** The performance suite's report `GET /api/bench/suite` serves: relative to the repository root, or absolute. */
  BENCH_SUITE_FILE: Type.String({ minLength: 1, default: SUITE_FILE }),
});
export type GatewayConfig = Static<typeof GatewayConfig>;

/** Reads and validates the gateway's configuration; a bad value throws naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = readConfig(GatewayConfig, env);
  if (config.HEADERS_TIMEOUT_MS > config.REQUEST_TIMEOUT_MS) throw new ConfigError('HEADERS_TIMEOUT_MS', `must not exceed REQUEST_TIMEOUT_MS (${config.REQUEST_TIMEOUT_MS})`);
  return config;
}

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** Each service's explicit address from the configuration, undefined where discovery finds it. */
export function serviceTargets(config: GatewayConfig): Record<BackendName | 'payment-provider', string | undefined> {
  const entries = BACKENDS.map((service) => [service, nonEmpty(config[SERVICE_URL_VARIABLES[service]])] as const);
  return { ...(Object.fromEntries(entries) as Record<BackendName, string | undefined>), 'payment-provider': nonEmpty(config.PAYMENT_PROVIDER_URL) };
}
