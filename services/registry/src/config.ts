import { BaseConfig, readConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

/** The hosts an instance may register at when `REGISTRY_ALLOWED_HOSTS` is unset: this machine only. */
export const DEFAULT_ALLOWED_HOSTS = '127.0.0.1,::1,localhost';

const RegistryConfig = Type.Object({
  ...BaseConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES.registry.port }),
  /** An instance that sends no heartbeat for this long is evicted; also how long the registry stays cold after a start. */
  REGISTRY_TTL_MS: Type.Integer({ minimum: 50, maximum: 600_000, default: 5000 }),
  /** How often every instance is health-checked (and expired instances swept). */
  REGISTRY_CHECK_INTERVAL_MS: Type.Integer({ minimum: 10, maximum: 600_000, default: 1000 }),
  /** Upper bound of one health check, connect to last byte. */
  REGISTRY_CHECK_TIMEOUT_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 500 }),
  /** Consecutive failed checks after which an instance is evicted (the first one makes it `failing`). */
  REGISTRY_FAILURES_TO_EVICT: Type.Integer({ minimum: 1, maximum: 100, default: 2 }),
  /**
   * Comma-separated hosts instances may register at; `*` allows any (a cluster). The registry only
   * ever calls host:port + health path of an allowed host, so it cannot be turned into a proxy.
   */
  REGISTRY_ALLOWED_HOSTS: Type.String({ minLength: 1, default: DEFAULT_ALLOWED_HOSTS }),
});
export type RegistryConfig = Static<typeof RegistryConfig>;

/** Reads and validates the registry's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): RegistryConfig => readConfig(RegistryConfig, env);
