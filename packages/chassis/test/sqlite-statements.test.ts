import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type Generated, type SqliteDatabase } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { preparedOnce } from '../src/sqlite-statements.js';

interface Tables {
  items: { id: Generated<number>; name: string };
}

/** An in-memory database with an `items` table, and the SQL texts it was asked to prepare. */
function countingDatabase(): { database: SqliteDatabase; prepared: string[] } {
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.exec('create table items (id integer primary key, name text not null)');
  const prepared: string[] = [];
  return {
    database: {
      prepare: (sql) => {
        prepared.push(sql);
        return sqlite.prepare(sql);
      },
      close: () => sqlite.close(),
    },
    prepared,
  };
}

let open: Kysely<Tables> | undefined;
afterEach(async () => {
  await open?.destroy();
  open = undefined;
});

describe('Statements prepared once', () => {
  test('When the same queries run again and again, then each SQL text is prepared once, and every run sees its own values', async () => {
    const { database, prepared } = countingDatabase();
    open = new Kysely<Tables>({ dialect: new SqliteDialect({ database: preparedOnce(database) }) });
    for (const name of ['a', 'b', 'c']) await open.insertInto('items').values({ name }).execute();
    const names = [];
    for (const id of [1, 2, 3]) names.push((await open.selectFrom('items').select('name').where('id', '=', id).executeTakeFirstOrThrow()).name);
    await open.transaction().execute(async (trx) => {
      await trx.updateTable('items').set({ name: 'z' }).where('id', '=', 1).execute();
    });
    expect(names).toEqual(['a', 'b', 'c']);
    expect((await open.selectFrom('items').select('name').where('id', '=', 1).executeTakeFirstOrThrow()).name).toBe('z');
    expect(prepared.filter((sql) => sql.startsWith('insert'))).toHaveLength(1);
    expect(prepared.filter((sql) => sql.startsWith('select'))).toHaveLength(1);
    expect(new Set(prepared).size).toBe(prepared.length);
  });

  test('When more SQL texts come than the cache holds, then the least recently used one is let go and prepared again when it returns', () => {
    const { database, prepared } = countingDatabase();
    const cached = preparedOnce(database, 2);
    const [first, second, third] = ['select 1', 'select 2', 'select 3'];
    cached.prepare(first);
    cached.prepare(second);
    cached.prepare(first);
    cached.prepare(third);
    cached.prepare(first);
    cached.prepare(second);
    expect(prepared).toEqual([first, second, third, second]);
    cached.close();
  });
});
