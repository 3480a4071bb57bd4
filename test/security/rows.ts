import path from 'node:path';
import Database from 'better-sqlite3';
import { TABLES, type Table } from './endpoints.js';

/** The number of rows in each table the public API creates. */
export type RowCounts = Record<Table, number>;

/** Reads the row counts of the four service databases. */
export interface RowCounter {
  /**
   * True when a count is cheap (direct reads of the SQLite files): the fuzzer counts around every
   * case. False (counts through the API): it counts around each endpoint's whole run.
   */
  perCase: boolean;
  count(): Promise<RowCounts>;
  close(): void;
}

/** Each table's SQLite file in a database directory, as the supervisor lays them out. */
const FILES: Record<Table, string> = { users: 'users.db', products: 'products.db', orders: 'orders.db', payments: 'payments.db' };

/**
 * Counts rows straight from the SQLite files under `databaseDir`, read-only: microseconds a count,
 * so it can be done before and after every case. Opened once the services have created the files.
 */
export function databaseRows(databaseDir: string): RowCounter {
  const statements = TABLES.map((table) => {
    const db = new Database(path.join(databaseDir, FILES[table]), { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return { table, db, count: db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`) };
  });
  return {
    perCase: true,
    count: () => Promise.resolve(Object.fromEntries(statements.map(({ table, count }) => [table, count.get()?.n ?? 0])) as RowCounts),
    close: () => {
      for (const { db } of statements) db.close();
    },
  };
}

/**
 * Counts rows through the public API (`X-Total-Count` of each list, one row asked for): works
 * against any running system, four requests a count, so the fuzzer counts per endpoint.
 */
export function apiRows(url: string): RowCounter {
  const total = async (table: Table) => {
    const response = await fetch(`${url}/api/${table}?limit=1`);
    await response.arrayBuffer();
    const header = response.headers.get('x-total-count');
    if (response.status !== 200 || header === null) throw new Error(`GET /api/${table} answered ${response.status} without X-Total-Count: rows cannot be counted`);
    return Number(header);
  };
  return {
    perCase: false,
    count: async () => Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, await total(table)] as const))) as RowCounts,
    close: () => undefined,
  };
}
