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
