import { BaseConfig, DatabaseConfig, DiscoveryConfig, EventsConfig, readConfig, TestHooksConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

/** How long an order holding stock may stay unpaid: 15 minutes. */
export const DEFAULT_ORDER_EXPIRY_MS = 15 * 60_000;
/** How often the sweeper looks for expired orders. */
export const DEFAULT_EXPIRY_SWEEP_MS = 1000;

const ServiceUrl = (service: string) =>
  Type.Optional(Type.String({ pattern: '^(dns\\+)?https?://', description: `Explicit address of the ${service}: a URL, several separated by commas, or dns+http://name:port; unset: found through the registry (or on its default port without one)` }));

const OrderServiceConfig = Type.Object({
  ...BaseConfig,
  ...DatabaseConfig,
  ...DiscoveryConfig,
  ...EventsConfig,
  ...TestHooksConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['order-service'].port }),
  DATABASE_FILE: Type.String({ minLength: 1, default: SERVICES['order-service'].database }),
  USER_SERVICE_URL: ServiceUrl('user-service'),
  PRODUCT_SERVICE_URL: ServiceUrl('product-service'),
  /** An unpaid order holding stock is cancelled (reason `expired`) this long after it was placed, and its stock released. */
  ORDER_EXPIRY_MS: Type.Integer({ minimum: 1000, default: DEFAULT_ORDER_EXPIRY_MS }),
  /** How often the expiry sweeper looks for orders past their `expires_at`. */
  ORDER_EXPIRY_SWEEP_MS: Type.Integer({ minimum: 50, maximum: 3_600_000, default: DEFAULT_EXPIRY_SWEEP_MS }),
});
export type OrderServiceConfig = Static<typeof OrderServiceConfig>;

/** Reads and validates the Order service's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): OrderServiceConfig => readConfig(OrderServiceConfig, env);
