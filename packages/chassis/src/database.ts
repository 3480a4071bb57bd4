import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type PgModule from 'pg';
import { observeQuery } from './metrics/query-metrics.js';
import { fromRoot } from './paths.js';
import { preparedOnce } from './sqlite-statements.js';
import { traceQueries } from './telemetry/query-tracing.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  /** `postgres://…`: use PostgreSQL. Unset: use the SQLite `file`. */
  url?: string | undefined;
  /** SQLite file, relative to the repository root unless absolute. Required without `url`. */
  file?: string | undefined;
  /** PostgreSQL schema for this service's tables; created when missing. */
  schema?: string | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/** A service's own database: the Kysely handle plus what the chassis needs around it. */
export interface Database<DB> {
  db: Kysely<DB>;
  dialect: DialectName;
  /** The PostgreSQL schema holding the tables, when one was configured. */
  schema?: string | undefined;
  /** Where the data lives, for logs and start-up output (no credentials). */
  location: string;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// int8 (bigint, count(*)) arrives from pg as a string; every value here stays far below 2^53.
const INT8_OID = 20;
const pgTypesOf = (types: typeof PgModule.types) => ({
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (value: string) => Number(value) : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
});

function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * Opens a service's database: SQLite (WAL, synchronous=NORMAL, foreign keys on) by default, or
 * PostgreSQL when `url` is set. The rest of the service sees only Kysely. Kysely and the driver
 * are loaded here, not when the chassis is imported: a process without a database (the registry,
 * the gateway) never loads them, and a SQLite one never loads pg, nor a PostgreSQL one SQLite.
 *
 * @example
 * const database = await openDatabase<UserTables>({ file: 'database/users.db', url: config.DATABASE_URL })
 */
export async function openDatabase<DB>({ url, file, schema, poolSize = 10 }: DatabaseOptions): Promise<Database<DB>> {
  const { Kysely, PostgresDialect, SqliteDialect, sql } = await import('kysely');
  if (url) {
    const { default: pg } = await import('pg');
    if (schema) {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      types: pgTypesOf(pg.types),
      ...(schema ? { options: `-c search_path="${schema}"` } : {}),
    });
    const db = new Kysely<DB>({ dialect: traceQueries(new PostgresDialect({ pool }), 'postgresql'), log: observeQuery });
    return {
      db,
      dialect: 'postgres',
      schema,
      location: redactUrl(url) + (schema ? ` (schema ${schema})` : ''),
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  }

  if (!file) throw new Error('openDatabase needs a PostgreSQL url or a SQLite file');
  const filename = fromRoot(file);
  mkdirSync(path.dirname(filename), { recursive: true });
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  const sqlite = new BetterSqlite3(filename);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: traceQueries(new SqliteDialect({ database: preparedOnce(sqlite) }), 'sqlite'), log: observeQuery });
  // Every health check pings: the statement is prepared once.
  const pingStatement = sqlite.prepare('select 1');
  return {
    db,
    dialect: 'sqlite',
    location: filename,
    ping: async () => {
      pingStatement.get();
    },
    close: () => db.destroy(),
  };
}

/** One schema change. Receives the dialect for the few places SQLite and PostgreSQL differ. */
export type ServiceMigration = (db: Kysely<unknown>, dialect: DialectName) => Promise<void>;

/**
 * True for the ways a SQLite migration fails when another process runs the same one at the same
 * moment: the file's writer lock taken (`SQLITE_BUSY…`), the migration already recorded
 * (`SQLITE_CONSTRAINT…` on `kysely_migration`), its table or index already created, or its column
 * already added (SQLite has no `ADD COLUMN IF NOT EXISTS`: a migration looks for the column first,
 * and two replicas can both look before either adds it).
 */
function lostMigrationRace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_CONSTRAINT') || /already exists|duplicate column name/.test(message));
}

/**
 * Brings the database to the latest schema. Migrations are applied in name order, each once,
 * recorded in `kysely_migration`; safe to run from several instances at once. PostgreSQL takes
 * Kysely's advisory lock and runs each migration in a transaction. SQLite has no such lock (and no
 * transactional DDL in Kysely): replicas starting together race, and the one that loses (busy
 * file, migration already recorded, table already there) waits a moment and starts over, then
 * finds the migrations done. Every migration must therefore be safe to run again after a partial
 * run (`ifNotExists`; for a column, `hasColumn` first).
 */
export async function migrateToLatest<DB>(database: Database<DB>, migrations: Record<string, ServiceMigration>): Promise<void> {
  const { Migrator } = await import('kysely');
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(
        Object.entries(migrations).map(([name, up]): [string, Migration] => [name, { up: (db) => up(db, database.dialect) }]),
      ),
  };
  // With a schema, the migration tables live in it too: each service's history is its own.
  const migrator = new Migrator({ db: database.db, provider, ...(database.schema ? { migrationTableSchema: database.schema } : {}) });
  let { error, results } = await migrator.migrateToLatest();
  for (let attempt = 1; error && database.dialect === 'sqlite' && lostMigrationRace(error) && attempt <= 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 25 + Math.random() * 100));
    ({ error, results } = await migrator.migrateToLatest());
  }
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
}

/** True when a write failed on a unique constraint, in either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
