import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Statements kept per database: far more than the distinct queries a service runs. */
export const CACHED_STATEMENTS = 256;

/**
 * A SQLite database, as Kysely's dialect sees it, that prepares each distinct SQL text once.
 * Kysely prepares every query it runs, and parsing and planning a short statement again costs
 * about as much as running it. Kysely runs one statement at a time on its one connection (a
 * stream or a transaction holds it to the end), so a statement is never in use twice at once.
 * Bounded: past `size` texts (an `in (?, ?, …)` list makes one per length), the least recently
 * used statement is let go.
 *
 * @example
 * new SqliteDialect({ database: preparedOnce(new BetterSqlite3('users.db')) })
 */
export function preparedOnce(database: SqliteDatabase, size = CACHED_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement) {
        // Moved to the end: the map's order is the order of last use.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (statements.size >= size) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
