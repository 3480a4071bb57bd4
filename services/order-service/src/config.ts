import { BaseConfig, DatabaseConfig, DiscoveryConfig, EventsConfig, readConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

const ServiceUrl = (service: string) =>
  Type.Optional(Type.String({ pattern: '^(dns\\+)?https?://', description: `Explicit address of the ${service}: a URL, several separated by commas, or dns+http://name:port; unset: found through the registry (or on its default port without one)` }));

const OrderServiceConfig = Type.Object({
  ...BaseConfig,
  ...DatabaseConfig,
  ...DiscoveryConfig,
  ...EventsConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['order-service'].port }),
  DATABASE_FILE: Type.String({ minLength: 1, default: SERVICES['order-service'].database }),
  USER_SERVICE_URL: ServiceUrl('user-service'),
  PRODUCT_SERVICE_URL: ServiceUrl('product-service'),
});
export type OrderServiceConfig = Static<typeof OrderServiceConfig>;

/** Reads and validates the Order service's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): OrderServiceConfig => readConfig(OrderServiceConfig, env);
