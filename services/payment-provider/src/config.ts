import { BaseConfig, DatabaseConfig, DiscoveryConfig, readConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

const PaymentProviderConfig = Type.Object({
  ...BaseConfig,
  ...DatabaseConfig,
  ...DiscoveryConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['payment-provider'].port }),
  DATABASE_FILE: Type.String({ minLength: 1, default: SERVICES['payment-provider'].database }),
  /** How the provider behaves at start; `PUT /v1/behaviour` changes it while it runs. */
  PROVIDER_DECLINE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  PROVIDER_FAILURE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  PROVIDER_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 30_000, default: 0 }),
});
export type PaymentProviderConfig = Static<typeof PaymentProviderConfig>;

/** Reads and validates the payment provider's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): PaymentProviderConfig => readConfig(PaymentProviderConfig, env);
