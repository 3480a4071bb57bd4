import { Type, type Static, type TObject, type TProperties } from 'typebox';
import { compileCoercing } from './validation.js';

/** Thrown when the environment does not satisfy a service's config schema. Names the variable. */
export class ConfigError extends Error {
  constructor(readonly variable: string, reason: string) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads a service's configuration from the environment once, at start-up, and validates it.
 * Each property of `schema` is an environment variable; defaults come from the schema.
 *
 * @example
 * const config = readConfig(Type.Object({ PORT: Type.Integer({ default: 5001 }) }))
 */
export function readConfig<P extends TProperties>(
  schema: TObject<P>,
  env: NodeJS.ProcessEnv = process.env,
): Static<TObject<P>> {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const validate = compileCoercing<Static<TObject<P>>>(schema);
  if (!validate(input)) {
    const first = validate.errors?.[0];
    const variable =
      (first?.params as { missingProperty?: string } | undefined)?.missingProperty ??
      first?.instancePath.replace(/^\//, '') ??
      'environment';
    throw new ConfigError(variable, first?.message ?? 'is invalid');
  }
  return input as Static<TObject<P>>;
}

/** The variables every service reads. Spread into a service's own config schema. */
export const BaseConfig = {
  HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  /** Upper bound for one call to another service, connect to last byte. */
  CALL_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 2000 }),
  /**
   * This process's Ed25519 signing key (32 bytes, base64url), set with `SERVICE_PUBLIC_KEYS` in a
   * cluster (see docs/security.md). Unset: the key set file below.
   */
  SERVICE_KEY: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' })),
  /** Every principal's public key, `user-service=<key>,order-service=<key>,…`: whom this process believes. */
  SERVICE_PUBLIC_KEYS: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * A key set file (JSON, principal → { private, public }) used when the two above are unset.
   * Unset: the development set `.microshop/service-keys.json` (git-ignored), created on first start.
   */
  SERVICE_KEYS_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Lifetime of the service tokens this process signs; each is re-signed at half of it. */
  SERVICE_TOKEN_TTL_S: Type.Integer({ minimum: 5, maximum: 300, default: 60 }),
  /** Largest request body accepted, in bytes. */
  BODY_LIMIT_BYTES: Type.Integer({ minimum: 1024, maximum: 10_485_760, default: 65_536 }),
};

/** The variables of a service with a database. */
export const DatabaseConfig = {
  /** `postgres://…` to use PostgreSQL; unset to use the SQLite file. */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** PostgreSQL schema holding this service's tables (created when missing). */
  DATABASE_SCHEMA: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$' })),
};

/** The variables of a service that publishes events (see docs/consistency.md). */
export const EventsConfig = {
  /** `nats://host:4222`: publish through NATS JetStream; unset: the embedded HTTP transport to the subscribers. */
  BROKER_URL: Type.Optional(Type.String({ pattern: '^nats://' })),
  /** The JetStream stream holding the events (created when missing). */
  BROKER_STREAM: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', default: 'MICROSHOP_EVENTS' }),
  /** Events of type T are published on `<prefix>.T`. */
  BROKER_SUBJECT_PREFIX: Type.String({ pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$', default: 'microshop.events' }),
};

/** The variable of a service with crash and fault points (see `registerTestHooks`): `1` opens `/internal/test/*`, for the crash battery only. */
export const TestHooksConfig = {
  MICROSHOP_TEST_HOOKS: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
};

/** The variables of a process that registers itself and finds its neighbours (every one but the registry). */
export const DiscoveryConfig = {
  /** The service registry (`http://127.0.0.1:5010`); unset: no registration, and neighbours are found at their explicit URLs or default ports. */
  REGISTRY_URL: Type.Optional(Type.String({ pattern: '^https?://[^/?#\\s]+/?$' })),
  /** This instance's id in the registry; unset: `<service>-<port>`. */
  INSTANCE_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' })),
  /** The address others reach this instance at; unset: HOST, or 127.0.0.1 when HOST is a wildcard. */
  ADVERTISE_HOST: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9.:-]+$' })),
  /** How often the registration is renewed. */
  HEARTBEAT_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 1000 }),
  /** How often the neighbours' instance lists are refreshed. */
  DISCOVERY_REFRESH_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 1000 }),
  /**
   * On SIGTERM: time between leaving the registry and closing, so that every client has dropped
   * this instance before it stops (one refresh and a margin); in-flight requests then finish.
   */
  DRAIN_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1500 }),
  /** How a client picks an instance of a neighbour. */
  LOAD_BALANCER: Type.Union([Type.Literal('least-outstanding'), Type.Literal('round-robin'), Type.Literal('power-of-two')], { default: 'least-outstanding' }),
};

/** What the key tools read (`npm run keys`, `npm run -s token`) and a development identity made on demand. */
const KeyToolConfig = Type.Object({
  SERVICE_KEYS_FILE: BaseConfig.SERVICE_KEYS_FILE,
  SERVICE_TOKEN_TTL_S: BaseConfig.SERVICE_TOKEN_TTL_S,
  /** The directory `npm run` was started in: relative paths given to a tool resolve against it. */
  INIT_CWD: Type.Optional(Type.String()),
});
export type KeyToolConfig = Static<typeof KeyToolConfig>;

/** Reads {@link KeyToolConfig}; a bad value throws naming the variable. */
export const loadKeyToolConfig = (env: NodeJS.ProcessEnv = process.env): KeyToolConfig => readConfig(KeyToolConfig, env);
