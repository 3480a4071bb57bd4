import { BaseConfig, DatabaseConfig, DiscoveryConfig, EventsConfig, readConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

const ProductServiceConfig = Type.Object({
  ...BaseConfig,
  ...DatabaseConfig,
  ...DiscoveryConfig,
  ...EventsConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['product-service'].port }),
  DATABASE_FILE: Type.String({ minLength: 1, default: SERVICES['product-service'].database }),
});
export type ProductServiceConfig = Static<typeof ProductServiceConfig>;

/** Reads and validates the Product service's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): ProductServiceConfig => readConfig(ProductServiceConfig, env);
