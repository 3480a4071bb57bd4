import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DIALECTS, TEST_POSTGRES_URL } from '@microshop/testkit';
import { sql, type Generated } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isUniqueViolation, migrateToLatest, openDatabase, type Database, type DialectName } from '../src/database.js';
import { createTableWithId } from '../src/schema.js';
import { parseExposition, sampleSum } from '../src/metrics/exposition.js';
import { metricsRegistry } from '../src/metrics/registry.js';

interface Tables {
  things: { id: Generated<number>; name: string };
}

const DURATION = 'microshop_db_query_duration_seconds';
const ERRORS = 'microshop_db_query_errors_total';

/** How many queries of each operation ran during `act`, and how many failed. */
async function queriesDuring(act: () => Promise<unknown>): Promise<{ ran: Record<string, number>; failed: Record<string, number> }> {
  const before = parseExposition(await metricsRegistry.metrics());
  await act();
  const after = parseExposition(await metricsRegistry.metrics());
  const ran: Record<string, number> = {};
  const failed: Record<string, number> = {};
  for (const operation of ['select', 'insert', 'update', 'delete', 'other']) {
    const count = sampleSum(after, `${DURATION}_count`, { operation }) - sampleSum(before, `${DURATION}_count`, { operation });
    const errors = sampleSum(after, ERRORS, { operation }) - sampleSum(before, ERRORS, { operation });
    if (count) ran[operation] = count;
    if (errors) failed[operation] = errors;
  }
  return { ran, failed };
}

async function open(dialect: DialectName): Promise<{ database: Database<Tables>; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'chassis-metrics-'));
    const database = await openDatabase<Tables>({ file: path.join(dir, 'x.db') });
    const drop = async () => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    };
    return { database, drop };
  }
  const schema = `t_${randomBytes(5).toString('hex')}`;
  const database = await openDatabase<Tables>({ url: TEST_POSTGRES_URL, schema, poolSize: 2 });
  return {
    database,
    drop: async () => {
      await database.close();
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

describe.each(DIALECTS)('Chassis metrics: database queries on %s', (dialect) => {
  let database: Database<Tables>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ database, drop } = await open(dialect));
    await migrateToLatest(database, {
      '0001-things': async (db, d) => {
        await createTableWithId(db, 'things', d)
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .execute();
      },
    });
  });
  afterAll(async () => {
    await drop();
  });

  test('When rows are inserted, read, updated and deleted, then each query is timed under its operation', async () => {
    const { db } = database;
    const { ran, failed } = await queriesDuring(async () => {
      await db.insertInto('things').values({ name: 'a' }).execute();
      await db.insertInto('things').values({ name: 'b' }).execute();
      await db.selectFrom('things').selectAll().execute();
      await db.updateTable('things').set({ name: 'c' }).where('name', '=', 'a').execute();
      await db.deleteFrom('things').where('name', '=', 'b').execute();
      await sql`select 1`.execute(db);
    });
    expect(ran).toEqual({ insert: 2, select: 2, update: 1, delete: 1 });
    expect(failed).toEqual({});
  });

  test('When a query breaks a unique constraint, then it is timed and counted as failed', async () => {
    const { db } = database;
    await db.insertInto('things').values({ name: 'unique' }).execute();
    const { ran, failed } = await queriesDuring(async () => {
      const error = await db.insertInto('things').values({ name: 'unique' }).execute().catch((e: unknown) => e);
      expect(isUniqueViolation(error)).toBe(true);
    });
    expect(ran).toEqual({ insert: 1 });
    expect(failed).toEqual({ insert: 1 });
  });

  test('When a statement is neither select, insert, update nor delete, then it counts as other', async () => {
    const { ran } = await queriesDuring(() => sql`create table if not exists extra (id integer)`.execute(database.db));
    expect(ran).toEqual({ other: 1 });
  });
});
