import { BaseConfig, readConfig } from '@microshop/chassis';
import { BACKENDS, SERVICES, type BackendName } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

/** The variable holding each service's base URL. */
export const SERVICE_URL_VARIABLES = {
  'user-service': 'USER_SERVICE_URL',
  'product-service': 'PRODUCT_SERVICE_URL',
  'order-service': 'ORDER_SERVICE_URL',
  'payment-service': 'PAYMENT_SERVICE_URL',
} as const satisfies Record<BackendName, string>;

/** An origin such as `http://127.0.0.1:5001`: scheme, host and port, no path. */
const serviceUrl = (service: BackendName) =>
  Type.String({
    format: 'uri',
    pattern: '^https?://[^/?#\\s]+/?$',
    default: `http://127.0.0.1:${SERVICES[service].port}`,
    description: `Base URL of the ${service}`,
  });

const GatewayConfig = Type.Object({
  ...BaseConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES.gateway.port }),
  USER_SERVICE_URL: serviceUrl('user-service'),
  PRODUCT_SERVICE_URL: serviceUrl('product-service'),
  ORDER_SERVICE_URL: serviceUrl('order-service'),
  PAYMENT_SERVICE_URL: serviceUrl('payment-service'),
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
});
export type GatewayConfig = Static<typeof GatewayConfig>;

/** Reads and validates the gateway's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): GatewayConfig => readConfig(GatewayConfig, env);

/** Each service's base URL from the configuration, without a trailing slash. */
export function serviceUrls(config: GatewayConfig): Record<BackendName, string> {
  const entries = BACKENDS.map((service) => [service, config[SERVICE_URL_VARIABLES[service]].replace(/\/$/, '')] as const);
  return Object.fromEntries(entries) as Record<BackendName, string>;
}
