import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrateToLatest, openDatabase, type Database, type ServiceMigration } from '@microshop/chassis';
import pg from 'pg';

/** The PostgreSQL the data tests run against: the machine's, trust auth, database `test`. */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, migrated database of one dialect, and how to throw it away. */
export interface TestDatabase<DB> {
  database: Database<DB>;
  /** Env entries that point a service process at this same database. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

export type DialectName = 'sqlite' | 'postgres';

/** Both dialects: a data test runs once on each (`describe.each(DIALECTS)`). */
export const DIALECTS: readonly DialectName[] = ['sqlite', 'postgres'];

/**
 * Creates an empty database of the dialect, migrated: a new SQLite file in a temp folder, or a new
 * schema in the test PostgreSQL database. Nothing is shared between calls.
 */
export async function createTestDatabase<DB>(dialect: DialectName, migrations: Record<string, ServiceMigration>): Promise<TestDatabase<DB>> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'microshop-test-'));
    const file = path.join(dir, 'service.db');
    const database = await openDatabase<DB>({ file });
    await migrateToLatest(database, migrations);
    return {
      database,
      env: { DATABASE_FILE: file },
      drop: async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase<DB>({ url: TEST_POSTGRES_URL, schema, poolSize: 4 });
  await migrateToLatest(database, migrations);
  return {
    database,
    env: { DATABASE_URL: TEST_POSTGRES_URL, DATABASE_SCHEMA: schema },
    drop: async () => {
      await database.close();
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
