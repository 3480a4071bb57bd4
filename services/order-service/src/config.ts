import { BaseConfig, DatabaseConfig, readConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

const ServiceUrl = (port: number) => Type.String({ pattern: '^https?://', default: `http://127.0.0.1:${port}` });

const OrderServiceConfig = Type.Object({
  ...BaseConfig,
  ...DatabaseConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['order-service'].port }),
  DATABASE_FILE: Type.String({ minLength: 1, default: SERVICES['order-service'].database }),
  USER_SERVICE_URL: ServiceUrl(SERVICES['user-service'].port),
  PRODUCT_SERVICE_URL: ServiceUrl(SERVICES['product-service'].port),
});
export type OrderServiceConfig = Static<typeof OrderServiceConfig>;

/** Reads and validates the Order service's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): OrderServiceConfig => readConfig(OrderServiceConfig, env);
