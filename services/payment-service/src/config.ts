import { BaseConfig, DatabaseConfig, DiscoveryConfig, EventsConfig, readConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

const PaymentServiceConfig = Type.Object({
  ...BaseConfig,
  ...DatabaseConfig,
  ...DiscoveryConfig,
  ...EventsConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['payment-service'].port }),
  DATABASE_FILE: Type.String({ minLength: 1, default: SERVICES['payment-service'].database }),
  /** Explicit address of the Order service: a URL, several separated by commas, or dns+http://name:port; unset: found through the registry (or on its default port without one). */
  ORDER_SERVICE_URL: Type.Optional(Type.String({ pattern: '^(dns\\+)?https?://' })),
});
export type PaymentServiceConfig = Static<typeof PaymentServiceConfig>;

/** Reads and validates the Payment service's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): PaymentServiceConfig => readConfig(PaymentServiceConfig, env);
