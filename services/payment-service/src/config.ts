import { BaseConfig, DatabaseConfig, readConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

const PaymentServiceConfig = Type.Object({
  ...BaseConfig,
  ...DatabaseConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['payment-service'].port }),
  DATABASE_FILE: Type.String({ minLength: 1, default: SERVICES['payment-service'].database }),
  ORDER_SERVICE_URL: Type.String({ pattern: '^https?://', default: `http://127.0.0.1:${SERVICES['order-service'].port}` }),
});
export type PaymentServiceConfig = Static<typeof PaymentServiceConfig>;

/** Reads and validates the Payment service's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): PaymentServiceConfig => readConfig(PaymentServiceConfig, env);
