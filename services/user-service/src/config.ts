import { BaseConfig, DatabaseConfig, DiscoveryConfig, readConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

const UserServiceConfig = Type.Object({
  ...BaseConfig,
  ...DatabaseConfig,
  ...DiscoveryConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['user-service'].port }),
  DATABASE_FILE: Type.String({ minLength: 1, default: SERVICES['user-service'].database }),
});
export type UserServiceConfig = Static<typeof UserServiceConfig>;

/** Reads and validates the User service's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): UserServiceConfig => readConfig(UserServiceConfig, env);
