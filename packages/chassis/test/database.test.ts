import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TEST_POSTGRES_URL } from '@microshop/testkit';
import { sql, type Generated } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { isUniqueViolation, migrateToLatest, openDatabase, type Database, type ServiceMigration } from '../src/database.js';
import { createTableWithId, hasColumn } from '../src/schema.js';

interface Tables {
  things: { id: Generated<number>; name: string; big: number };
}

const migrations: Record<string, ServiceMigration> = {
  '0001-things': async (db, dialect) => {
    await createTableWithId(db, 'things', dialect)
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('big', 'bigint', (c) => c.notNull())
      .execute();
  },
};

const schemas: string[] = [];
const dirs: string[] = [];
const opened: Database<Tables>[] = [];

async function open(dialect: 'sqlite' | 'postgres'): Promise<Database<Tables>> {
  let database: Database<Tables>;
  if (dialect === 'postgres') {
    const schema = `t_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    database = await openDatabase<Tables>({ url: TEST_POSTGRES_URL, schema, poolSize: 2 });
  } else {
    const dir = mkdtempSync(path.join(tmpdir(), 'chassis-db-'));
    dirs.push(dir);
    database = await openDatabase<Tables>({ file: path.join(dir, 'x.db') });
  }
  opened.push(database);
  return database;
}

afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('The chassis database', () => {
  test('When two services share one PostgreSQL database with a schema each, then each migrates its own schema and keeps its own history', async () => {
    const first = await open('postgres');
    const second = await open('postgres');
    await migrateToLatest(first, migrations);
    await migrateToLatest(second, migrations);
    await migrateToLatest(second, migrations); // again: nothing to do, no error
    for (const database of [first, second]) {
      const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(`${database.schema}.kysely_migration`)}`.execute(database.db);
      expect(rows[0]?.n).toBe(1);
      await database.db.insertInto('things').values({ name: 'a', big: 1 }).execute();
    }
  });

  test.each(['sqlite', 'postgres'] as const)('When a unique value is inserted twice on %s, then isUniqueViolation recognises the error', async (dialect) => {
    const database = await open(dialect);
    await migrateToLatest(database, migrations);
    await database.db.insertInto('things').values({ name: 'dup', big: 1 }).execute();
    const error = await database.db.insertInto('things').values({ name: 'dup', big: 2 }).execute().catch((e: unknown) => e);
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(new Error('other'))).toBe(false);
  });

  test.each(['sqlite', 'postgres'] as const)('When bigint values and counts are read on %s, then they are numbers', async (dialect) => {
    const database = await open(dialect);
    await migrateToLatest(database, migrations);
    await database.db.insertInto('things').values({ name: 'big', big: 9_999_999_999_99 }).execute();
    const row = await database.db.selectFrom('things').select(['big']).executeTakeFirstOrThrow();
    const count = await database.db.selectFrom('things').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(row.big).toBe(9_999_999_999_99);
    expect(count.n).toBe(1);
  });

  test('When the database answers, then ping resolves; once closed, it rejects', async () => {
    const database = await openDatabase<Tables>({ url: TEST_POSTGRES_URL, poolSize: 1 });
    await expect(database.ping()).resolves.toBeUndefined();
    await database.close();
    await expect(database.ping()).rejects.toThrow();
  });

  test('When three replicas migrate the same SQLite file at the same moment, then all three start and every migration is recorded once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'microshop-migrate-race-'));
    dirs.push(dir);
    const file = path.join(dir, 'shared.db');
    const twoSteps: Record<string, ServiceMigration> = {
      ...migrations,
      '0002-things-by-name': async (db) => {
        await db.schema.createIndex('things_big').ifNotExists().on('things').column('big').execute();
      },
    };
    const replicas = await Promise.all([1, 2, 3].map(() => openDatabase<Tables>({ file })));
    opened.push(...replicas);
    await Promise.all(replicas.map((replica) => migrateToLatest(replica, twoSteps)));
    const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(replicas[0]!.db);
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001-things', '0002-things-by-name']);
    await replicas[2]!.db.insertInto('things').values({ name: 'shared', big: 1 }).execute();
    expect(await replicas[0]!.db.selectFrom('things').select('name').execute()).toEqual([{ name: 'shared' }]);
  });

  test('When three replicas add the same column to a shared SQLite file at the same moment, then the ones that lose the race start over and find it done', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'microshop-migrate-race-'));
    dirs.push(dir);
    const file = path.join(dir, 'shared.db');
    const replicas = await Promise.all([1, 2, 3].map(() => openDatabase<Tables>({ file })));
    opened.push(...replicas);
    await migrateToLatest(replicas[0]!, migrations);
    // SQLite has no ADD COLUMN IF NOT EXISTS: a column is added after looking for it, as the
    // services' migrations do, and every replica can look before any adds (a new version rolled out).
    const withNote: Record<string, ServiceMigration> = {
      ...migrations,
      '0002-things-note': async (db, dialect) => {
        if (!(await hasColumn(db, dialect, 'things', 'note'))) await db.schema.alterTable('things').addColumn('note', 'text').execute();
      },
    };
    await Promise.all(replicas.map((replica) => migrateToLatest(replica, withNote)));
    const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(replicas[0]!.db);
    expect(recorded.rows.map((r) => r.name)).toEqual(['0001-things', '0002-things-note']);
    expect(await hasColumn(replicas[1]!.db as never, 'sqlite', 'things', 'note')).toBe(true);
  });
});
