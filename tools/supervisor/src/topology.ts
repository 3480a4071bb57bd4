import path from 'node:path';
import { BACKENDS, SERVICES, type ServiceName } from '@microshop/contracts';

/** One process of the system, as declared in {@link SYSTEM}. */
export interface SystemProcess {
  name: ServiceName;
  /** Compiled entry point, relative to the repository root. */
  entry: string;
  /** Its spec port: replica 1 always listens here (unless a port map says otherwise, as in tests). */
  port: number;
  /** SQLite file name inside the database directory; `null` for a process without a database. */
  database: string | null;
  /**
   * Start-up stage: every process of a stage is up before any process of the next one starts. The
   * registry (0) comes first because everything else registers there as it starts; all the others
   * (1) then start at once. The gateway needs no service up to start: it resolves them through the
   * registry, and asks again when it knows no instance of one.
   */
  stage: 0 | 1;
}

function declare(name: ServiceName, stage: SystemProcess['stage']): SystemProcess {
  const { port, database } = SERVICES[name];
  return { name, entry: `services/${name}/dist/main.js`, port, database: database === null ? null : path.basename(database), stage };
}

/**
 * The whole system on one machine, in start order: the service registry, then together the four
 * services, the simulated payment provider (the outside card processor the Payment service charges
 * through) and the gateway in front of them. Each process runs `services/<name>/dist/main.js` on
 * its spec port (from `SERVICES`) and gets `PORT`, `OTEL_SERVICE_NAME`, `LOG_LEVEL`, its database
 * (its own file in the database directory) and, except the registry, `REGISTRY_URL` and
 * `INSTANCE_ID` (see {@link environmentOf}). Nobody is told a neighbour's address: each resolves its
 * neighbours through the registry, so a service can run as several replicas. A process is up when
 * its `GET /health` answers 200 and, if it registers, the registry lists it as passing.
 */
export const SYSTEM: readonly SystemProcess[] = [
  declare('registry', 0),
  declare('user-service', 1),
  declare('product-service', 1),
  declare('payment-provider', 1),
  declare('order-service', 1),
  declare('payment-service', 1),
  declare('gateway', 1),
];

/** The names of every process in {@link SYSTEM}, in start order. */
export const PROCESS_NAMES: readonly ServiceName[] = SYSTEM.map((p) => p.name);

/** The process that must not get `REGISTRY_URL`: it is the registry. */
export const REGISTRY: ServiceName = 'registry';

/** Where the processes keep their data, how much they log, and where the registry is. */
export interface EnvironmentOptions {
  /** Absolute directory holding the SQLite files. */
  databaseDir: string;
  /**
   * The supervisor's own environment, read for PostgreSQL: `DATABASE_URL` gives every service its
   * own schema in that database; `<NAME>_DATABASE_URL` (e.g. `ORDER_SERVICE_DATABASE_URL`) gives
   * one service a database of its own.
   */
  env?: NodeJS.ProcessEnv;
  logLevel: string;
  /** The registry's base URL; by default its spec port on loopback ({@link internalUrl}). */
  registryUrl?: string;
}

/** Which replica of its service an instance is, and the port it listens on. */
export interface ReplicaSlot {
  /** 1 for the first instance (the spec port), 2.. for the extra ones. */
  replica: number;
  port: number;
}

/** Where one service keeps its data. */
export type DataLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string | undefined };

/**
 * The variables the supervisor decides for every process; inherited values of these are dropped.
 * The `<NAME>_SERVICE_URL` variables are never set any more (discovery replaces them), but a stray
 * one in the shell would pin a process to one instance, so it is dropped too.
 */
export const MANAGED_VARIABLES: readonly string[] = [
  'PORT',
  'OTEL_SERVICE_NAME',
  'LOG_LEVEL',
  'DATABASE_FILE',
  'DATABASE_URL',
  'DATABASE_SCHEMA',
  'REGISTRY_URL',
  'INSTANCE_ID',
  ...[...BACKENDS, 'payment-provider' as const].map(serviceUrlVariable),
  ...SYSTEM.filter((p) => p.database !== null).map((p) => databaseUrlVariable(p.name)),
];

/** `order-service` → `ORDER_SERVICE_URL`; `gateway` → `GATEWAY_URL`. */
export function serviceUrlVariable(name: ServiceName): string {
  return `${name.replace(/-service$/, '').replace(/-/g, '_').toUpperCase()}${name.endsWith('-service') ? '_SERVICE' : ''}_URL`;
}

/** The id an instance registers under and is controlled by: `order-service`, 2 → `order-service-2`. */
export function instanceId(name: string, replica: number): string {
  return `${name}-${replica}`;
}

/** The loopback URL of `name`'s first replica: its spec port, or its port in `ports` when given. */
export function internalUrl(name: ServiceName, ports: Partial<Record<ServiceName, number>> = {}): string {
  return `http://127.0.0.1:${ports[name] ?? SERVICES[name].port}`;
}

/** `order-service` → `ORDER_SERVICE_DATABASE_URL`: the variable pointing one service at a PostgreSQL database of its own. */
export function databaseUrlVariable(name: ServiceName): string {
  return `${name.replace(/-/g, '_').toUpperCase()}_DATABASE_URL`;
}

/** The schema a service owns when every service shares one PostgreSQL database: `users.db` → `users`. */
export function schemaOf(proc: SystemProcess): string | undefined {
  return proc.database === null ? undefined : path.basename(proc.database, '.db');
}

/**
 * Where a process keeps its data: its own PostgreSQL database (`<NAME>_DATABASE_URL`), its own
 * schema in a shared one (`DATABASE_URL`), or by default its SQLite file in the database directory.
 * `null` for a process without a database.
 */
export function dataLocationOf(proc: SystemProcess, databaseDir: string, env: NodeJS.ProcessEnv = {}): DataLocation | null {
  if (proc.database === null) return null;
  const own = env[databaseUrlVariable(proc.name)];
  if (own) return { kind: 'postgres', url: own, schema: undefined };
  const shared = env.DATABASE_URL;
  if (shared) return { kind: 'postgres', url: shared, schema: schemaOf(proc) };
  return { kind: 'sqlite', file: path.join(databaseDir, proc.database) };
}

/**
 * The environment variables one instance gets: its port, its name on its spans
 * (`OTEL_SERVICE_NAME`, the same for every replica), the log level, its service's database (see
 * {@link dataLocationOf}: replicas share it), and, except for the registry itself, where the registry
 * is (`REGISTRY_URL`) and the id it registers under (`INSTANCE_ID`).
 *
 * @example
 * environmentOf(SYSTEM[3], { databaseDir: '/srv/db', logLevel: 'info' }, { replica: 2, port: 41234 })
 * // { PORT: '41234', OTEL_SERVICE_NAME: 'order-service', LOG_LEVEL: 'info', DATABASE_FILE: '/srv/db/orders.db',
 * //   REGISTRY_URL: 'http://127.0.0.1:5010', INSTANCE_ID: 'order-service-2' }
 */
export function environmentOf(
  proc: SystemProcess,
  { databaseDir, env: inherited = {}, logLevel, registryUrl = internalUrl(REGISTRY) }: EnvironmentOptions,
  { replica, port }: ReplicaSlot = { replica: 1, port: proc.port },
): Record<string, string> {
  const env: Record<string, string> = { PORT: String(port), OTEL_SERVICE_NAME: proc.name, LOG_LEVEL: logLevel };
  const data = dataLocationOf(proc, databaseDir, inherited);
  if (data?.kind === 'sqlite') env.DATABASE_FILE = data.file;
  if (data?.kind === 'postgres') {
    env.DATABASE_URL = data.url;
    if (data.schema !== undefined) env.DATABASE_SCHEMA = data.schema;
  }
  if (proc.name !== REGISTRY) {
    env.REGISTRY_URL = registryUrl;
    env.INSTANCE_ID = instanceId(proc.name, replica);
  }
  return env;
}

/**
 * A child's full environment: the supervisor's own, without the variables it manages, plus
 * {@link environmentOf}. A stray `PORT` or `DATABASE_URL` in the shell can therefore never make
 * two services share a port or a database.
 */
export function childEnvironment(inherited: NodeJS.ProcessEnv, own: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited)) {
    if (value !== undefined && !MANAGED_VARIABLES.includes(key)) env[key] = value;
  }
  return { ...env, ...own };
}
