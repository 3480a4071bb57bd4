import type { CreateTableBuilder, Kysely } from 'kysely';
import type { DialectName } from './database.js';

/**
 * Starts a `CREATE TABLE IF NOT EXISTS` with an auto-incrementing integer primary key `id`, written
 * the way each dialect wants it (`integer primary key autoincrement` on SQLite, `serial primary key`
 * on PostgreSQL). Add the other columns and `execute()`.
 *
 * @example
 * await createTableWithId(db, 'users', dialect).addColumn('name', 'text', (c) => c.notNull()).execute()
 */
export function createTableWithId(db: Kysely<unknown>, table: string, dialect: DialectName): CreateTableBuilder<string, 'id'> {
  const builder = db.schema.createTable(table).ifNotExists();
  return dialect === 'sqlite'
    ? builder.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : builder.addColumn('id', 'serial', (c) => c.primaryKey());
}

/**
 * True when `table` already has `column`. A migration that adds a column asks first: on SQLite the
 * chassis runs a migration again after a partial run (replicas racing at start-up, see
 * `migrateToLatest`), and SQLite's `ALTER TABLE … ADD COLUMN` has no `IF NOT EXISTS`.
 */
export async function hasColumn(db: Kysely<unknown>, dialect: DialectName, table: string, column: string): Promise<boolean> {
  // Loaded here: importing the chassis does not load Kysely (see `openDatabase`).
  const { sql } = await import('kysely');
  const found =
    dialect === 'sqlite'
      ? await sql`select 1 from pragma_table_info(${table}) where name = ${column}`.execute(db)
      : await sql`select 1 from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`.execute(db);
  return found.rows.length > 0;
}
