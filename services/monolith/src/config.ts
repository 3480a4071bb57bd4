import path from 'node:path';
import { BaseConfig, DiscoveryConfig, fromRoot, readConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

/** The modules the monolith runs, in the order they are opened (each before those that call it). */
export const MODULES = ['user-service', 'product-service', 'order-service', 'payment-service', 'gateway'] as const;
export type ModuleName = (typeof MODULES)[number];

/** The modules with a database of their own. */
type DataModule = Exclude<ModuleName, 'gateway'>;

const PostgresUrl = (what: string) => Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: what }));

const MonolithConfig = Type.Object({
  ...BaseConfig,
  DISCOVERY_REFRESH_MS: DiscoveryConfig.DISCOVERY_REFRESH_MS,
  /** The gateway's port: the public door, as in the microservices topology. */
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES.gateway.port }),
  /**
   * `spec`: each module also listens on its own port (its spec port, 5001–5004, unless
   * `<NAME>_PORT` says otherwise), so that the spec's examples, which call the services directly,
   * work unchanged; `none`: only the gateway's port. Modules never call each other through these ports.
   */
  MODULE_PORTS: Type.Union([Type.Literal('spec'), Type.Literal('none')], { default: 'spec' }),
  /** The User module's door when `MODULE_PORTS=spec` (default its spec port); the same for the other three. */
  USER_SERVICE_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['user-service'].port }),
  PRODUCT_SERVICE_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['product-service'].port }),
  ORDER_SERVICE_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['order-service'].port }),
  PAYMENT_SERVICE_PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['payment-service'].port }),
  /** Directory of the modules' SQLite files (`users.db`, `products.db`, …), relative to the repository root. */
  DATABASE_DIR: Type.String({ minLength: 1, default: 'database' }),
  /** One PostgreSQL database for every module, each in a schema of its own (as the supervisor does). */
  DATABASE_URL: PostgresUrl('PostgreSQL database shared by the modules, a schema each'),
  USER_SERVICE_DATABASE_URL: PostgresUrl("the User module's own PostgreSQL database"),
  PRODUCT_SERVICE_DATABASE_URL: PostgresUrl("the Product module's own PostgreSQL database"),
  ORDER_SERVICE_DATABASE_URL: PostgresUrl("the Order module's own PostgreSQL database"),
  PAYMENT_SERVICE_DATABASE_URL: PostgresUrl("the Payment module's own PostgreSQL database"),
  /** The payment provider: an outside process in every topology (it stands for a card processor's API). */
  PAYMENT_PROVIDER_URL: Type.String({ pattern: '^https?://', default: `http://127.0.0.1:${SERVICES['payment-provider'].port}` }),
});
export type MonolithConfig = Static<typeof MonolithConfig>;

/** Reads and validates the monolith's own configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): MonolithConfig => readConfig(MonolithConfig, env);

/** What the monolith was started with: the environment every module reads its own configuration from (see {@link moduleEnvironment}). */
export const startEnvironment = (): NodeJS.ProcessEnv => process.env;

/**
 * Variables the monolith decides for each module: inherited values are dropped, so a stray `PORT`
 * or `DATABASE_FILE` in the shell never lands two modules on one port or one database. The
 * `*_SERVICE_URL` variables are dropped too: modules reach each other in-process.
 */
const DECIDED = ['PORT', 'USER_SERVICE_PORT', 'PRODUCT_SERVICE_PORT', 'ORDER_SERVICE_PORT', 'PAYMENT_SERVICE_PORT', 'DATABASE_FILE', 'DATABASE_URL', 'DATABASE_SCHEMA', 'REGISTRY_URL', 'INSTANCE_ID', 'OTEL_SERVICE_NAME', 'USER_SERVICE_URL', 'PRODUCT_SERVICE_URL', 'ORDER_SERVICE_URL', 'PAYMENT_SERVICE_URL'];

const DOOR_PORT: Record<DataModule, keyof MonolithConfig> = {
  'user-service': 'USER_SERVICE_PORT',
  'product-service': 'PRODUCT_SERVICE_PORT',
  'order-service': 'ORDER_SERVICE_PORT',
  'payment-service': 'PAYMENT_SERVICE_PORT',
};

/** The port a module listens on: the gateway's `PORT`, or the module's own door (its spec port unless set). */
export function portOf(module: ModuleName, config: MonolithConfig): number {
  return module === 'gateway' ? config.PORT : (config[DOOR_PORT[module]] as number);
}

const OWN_DATABASE_URL: Record<DataModule, keyof MonolithConfig> = {
  'user-service': 'USER_SERVICE_DATABASE_URL',
  'product-service': 'PRODUCT_SERVICE_DATABASE_URL',
  'order-service': 'ORDER_SERVICE_DATABASE_URL',
  'payment-service': 'PAYMENT_SERVICE_DATABASE_URL',
};

/**
 * The environment one module reads its own configuration from: everything the monolith was given,
 * minus the variables it decides, plus its port, its instance id and its own database: a PostgreSQL
 * database of its own, a schema of its own in a shared one, or its own SQLite file. Each module keeps
 * its database, as each service does: the boundaries stay where they were.
 *
 * @example
 * moduleEnvironment('order-service', loadConfig(), process.env)
 * // { …, PORT: '5003', INSTANCE_ID: 'order-service-monolith', DATABASE_FILE: '/repo/database/orders.db' }
 */
export function moduleEnvironment(module: ModuleName, config: MonolithConfig, inherited: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) if (value !== undefined && !DECIDED.includes(key)) env[key] = value;
  env.PORT = String(portOf(module, config));
  env.INSTANCE_ID = `${module}-monolith`;
  env.OTEL_SERVICE_NAME = module;
  if (module === 'gateway') return env;
  const own = config[OWN_DATABASE_URL[module]];
  const file = path.basename(SERVICES[module].database);
  if (typeof own === 'string') env.DATABASE_URL = own;
  else if (config.DATABASE_URL) {
    env.DATABASE_URL = config.DATABASE_URL;
    env.DATABASE_SCHEMA = path.basename(file, '.db');
  } else env.DATABASE_FILE = path.join(fromRoot(config.DATABASE_DIR), file);
  return env;
}
