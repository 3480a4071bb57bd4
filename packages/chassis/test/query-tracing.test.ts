import { trace } from '@opentelemetry/api';
import { TEST_POSTGRES_URL } from '@microshop/testkit';
import { sql, type Generated } from 'kysely';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { migrateToLatest, openDatabase, type Database, type DialectName } from '../src/database.js';
import { createTableWithId } from '../src/schema.js';
import { describeQuery } from '../src/telemetry/query-tracing.js';
import { startInMemoryTracing, type InMemoryTracing } from './support/in-memory-tracing.js';

interface Tables {
  people: { id: Generated<number>; email: string; name: string };
}

// One SDK for the whole file: tracers bind to the provider that is global when they are first used.
let tracing: InMemoryTracing;
beforeAll(() => {
  tracing = startInMemoryTracing();
});
afterAll(async () => {
  await tracing.stop();
});

const tracer = trace.getTracer('test');
const inSpan = <T>(work: () => Promise<T>) => tracer.startActiveSpan('request', async (span) => {
  try {
    return await work();
  } finally {
    span.end();
  }
});

describe('Query shapes', () => {
  test('When SQL is read, then its operation and first table name the span', () => {
    expect(describeQuery('select * from "orders" where "id" = ?')).toEqual({ operation: 'SELECT', table: 'orders' });
    expect(describeQuery('insert into "payments" ("a") values ($1) returning *')).toEqual({ operation: 'INSERT', table: 'payments' });
    expect(describeQuery('update "orders" set "status" = $1')).toEqual({ operation: 'UPDATE', table: 'orders' });
    expect(describeQuery('delete from "s"."users"')).toEqual({ operation: 'DELETE', table: 'users' });
    expect(describeQuery('select 1')).toEqual({ operation: 'SELECT', table: undefined });
  });
});

describe.each(['sqlite', 'postgres'] as const)('Database query spans (%s)', (dialect: DialectName) => {
  let database: Database<Tables>;
  let cleanup: () => Promise<void>;
  const email = `secret.${randomBytes(4).toString('hex')}@example.com`;

  beforeAll(async () => {
    tracing.reset();
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(path.join(tmpdir(), 'microshop-trace-'));
      database = await openDatabase<Tables>({ file: path.join(dir, 'people.db') });
      cleanup = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const schema = `t_${randomBytes(6).toString('hex')}`;
      database = await openDatabase<Tables>({ url: TEST_POSTGRES_URL, schema, poolSize: 2 });
      cleanup = async () => {
        const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
      };
    }
    await migrateToLatest(database, {
      '0001-people': async (db, d) => createTableWithId(db, 'people', d).addColumn('email', 'text', (c) => c.notNull().unique()).addColumn('name', 'text', (c) => c.notNull()).execute(),
    });
  });
  afterAll(async () => {
    await database.close();
    await cleanup();
  });

  test('When queries run outside any trace (migrations at start-up), then they make no spans', () => {
    expect(tracing.spans().filter((s) => s.attributes['db.system'] !== undefined)).toEqual([]);
  });

  test('When a query runs inside a request, then it is a child span with db.system and the statement with placeholders, never the values', async () => {
    tracing.reset();
    await inSpan(async () => {
      await database.db.insertInto('people').values({ email, name: 'Ann Secret' }).execute();
      await database.db.selectFrom('people').selectAll().where('email', '=', email).execute();
    });
    const spans = tracing.spans();
    const request = spans.find((s) => s.name === 'request');
    const queries = spans.filter((s) => s.attributes['db.system'] !== undefined);
    expect(queries.map((s) => s.name)).toEqual(['INSERT people', 'SELECT people']);
    for (const query of queries) {
      expect(query.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
      expect(query.attributes['db.system']).toBe(dialect === 'sqlite' ? 'sqlite' : 'postgresql');
    }
    const placeholder = dialect === 'sqlite' ? '?' : '$1';
    expect(queries[1]?.attributes['db.statement']).toBe(`select * from "people" where "email" = ${placeholder}`);
    expect(queries[1]?.attributes['db.response.returned_rows']).toBe(1);
    const everything = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    expect(everything).not.toContain(email);
    expect(everything).not.toContain('Ann Secret');
  });

  test('When a query fails, then its span has an error status, and the values of the failing row are still absent', async () => {
    tracing.reset();
    await expect(inSpan(() => database.db.insertInto('people').values({ email, name: 'Ann Again' }).execute())).rejects.toThrow();
    const [failed] = tracing.spans().filter((s) => s.attributes['db.system'] !== undefined);
    expect(failed?.status.code).toBe(2);
    expect(failed?.name).toBe('INSERT people');
    expect(JSON.stringify(failed?.attributes)).not.toContain(email);
  });

  test('When a transaction runs inside a request, then its statements are traced and it commits as usual', async () => {
    tracing.reset();
    await inSpan(() =>
      database.db.transaction().execute(async (tx) => {
        await tx.updateTable('people').set({ name: 'Ann' }).where('email', '=', email).execute();
        await sql`select count(*) as n from people`.execute(tx);
      }),
    );
    const names = tracing.spans().filter((s) => s.attributes['db.system'] !== undefined).map((s) => s.name);
    expect(names).toContain('UPDATE people');
    expect(names).toContain('SELECT people');
    const row = await database.db.selectFrom('people').select('name').where('email', '=', email).executeTakeFirst();
    expect(row?.name).toBe('Ann');
  });
});
