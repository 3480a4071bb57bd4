import path from 'node:path';
import { BACKENDS, SERVICES, type ServiceName } from '@microshop/contracts';

/** One process of the system, as declared in {@link SYSTEM}. */
export interface SystemProcess {
  name: ServiceName;
  /** Compiled entry point, relative to the repository root. */
  entry: string;
  port: number;
  /** SQLite file name inside the database directory; `null` for a process without a database. */
  database: string | null;
  /** The services it calls: each one's URL is passed as `<NAME>_SERVICE_URL`. */
  calls: readonly ServiceName[];
  /** Start-up stage: every process of stage 1 is up before any process of stage 2 starts. */
  stage: 1 | 2;
}

function declare(name: ServiceName, { calls = [], stage = 1 }: Partial<Pick<SystemProcess, 'calls' | 'stage'>> = {}): SystemProcess {
  const { port, database } = SERVICES[name];
  return { name, entry: `services/${name}/dist/main.js`, port, database: database === null ? null : path.basename(database), calls, stage };
}

/**
 * The whole system on one machine, in start order: the four services, then the gateway in front of
 * them. Each process runs `services/<name>/dist/main.js` on its spec port (from `SERVICES`) and gets
 * `PORT`, `OTEL_SERVICE_NAME`, `DATABASE_FILE` (its own file in the database directory), the `<NAME>_SERVICE_URL` of
 * each service it calls, and `LOG_LEVEL` (see {@link environmentOf}). A process is up when its
 * `GET /health` answers 200.
 */
export const SYSTEM: readonly SystemProcess[] = [
  declare('user-service'),
  declare('product-service'),
  declare('order-service', { calls: ['user-service', 'product-service'] }),
  declare('payment-service', { calls: ['order-service'] }),
  declare('gateway', { calls: BACKENDS, stage: 2 }),
];

/** The names of every process in {@link SYSTEM}, in start order. */
export const PROCESS_NAMES: readonly ServiceName[] = SYSTEM.map((p) => p.name);

/** Where the processes keep their data and how much they log. */
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
}

/** Where one service keeps its data. */
export type DataLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string | undefined };

/** The variables the supervisor decides for every process; inherited values of these are dropped. */
export const MANAGED_VARIABLES: readonly string[] = [
  'PORT',
  'OTEL_SERVICE_NAME',
  'LOG_LEVEL',
  'DATABASE_FILE',
  'DATABASE_URL',
  'DATABASE_SCHEMA',
  ...BACKENDS.map(serviceUrlVariable),
  ...BACKENDS.map(databaseUrlVariable),
];

/** `order-service` → `ORDER_SERVICE_URL`; `gateway` → `GATEWAY_URL`. */
export function serviceUrlVariable(name: ServiceName): string {
  return `${name.replace(/-service$/, '').replace(/-/g, '_').toUpperCase()}${name.endsWith('-service') ? '_SERVICE' : ''}_URL`;
}

/** The loopback URL other processes use to reach `name`. */
export function internalUrl(name: ServiceName): string {
  return `http://127.0.0.1:${SERVICES[name].port}`;
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
 * The environment variables one process gets: its port, its name on its spans
 * (`OTEL_SERVICE_NAME`), its own database (see {@link dataLocationOf}), the URLs of the services it
 * calls, and the log level.
 *
 * @example
 * environmentOf(SYSTEM[2], { databaseDir: '/srv/db', logLevel: 'info' })
 * // { PORT: '5003', OTEL_SERVICE_NAME: 'order-service', LOG_LEVEL: 'info', DATABASE_FILE: '/srv/db/orders.db',
 * //   USER_SERVICE_URL: 'http://127.0.0.1:5001', PRODUCT_SERVICE_URL: 'http://127.0.0.1:5002' }
 */
export function environmentOf(proc: SystemProcess, { databaseDir, env: inherited = {}, logLevel }: EnvironmentOptions): Record<string, string> {
  const env: Record<string, string> = { PORT: String(proc.port), OTEL_SERVICE_NAME: proc.name, LOG_LEVEL: logLevel };
  const data = dataLocationOf(proc, databaseDir, inherited);
  if (data?.kind === 'sqlite') env.DATABASE_FILE = data.file;
  if (data?.kind === 'postgres') {
    env.DATABASE_URL = data.url;
    if (data.schema !== undefined) env.DATABASE_SCHEMA = data.schema;
  }
  for (const neighbour of proc.calls) env[serviceUrlVariable(neighbour)] = internalUrl(neighbour);
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
