import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface User {
  id: number;
  name: string;
  email: string;
  created_at: string;
}

export interface Product {
  id: number;
  name: string;
  description: string | null;
  price: number;
  created_at: string;
}

export interface Order {
  id: number;
  user_id: number;
  product_id: number;
  quantity: number;
  total_price: number;
  status: 'PENDING';
  created_at: string;
}

/** One table behind two prepared statements: an insert that returns the row, and a lookup by id. */
export interface Table<Row, NewRow> {
  insert(row: NewRow): Row;
  find(id: number): Row | undefined;
  close(): void;
}

export type NewUser = Pick<User, 'name' | 'email'>;
export type NewProduct = Pick<Product, 'name' | 'price'> & { description?: string | null | undefined };
export type NewOrder = Omit<Order, 'id' | 'status' | 'created_at'>;

/** Opens `<dir>/<file>` as the services do (WAL, synchronous=NORMAL) and creates its one table. */
function open(dir: string, file: string, schema: string): Database.Database {
  mkdirSync(dir, { recursive: true });
  const db = new Database(path.join(dir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(schema);
  return db;
}

/** The statements are prepared once, here: a request only binds and steps them. */
function table<Row, Params extends unknown[]>(db: Database.Database, name: string, columns: readonly string[]) {
  const insert = db.prepare<Params, Row>(`INSERT INTO ${name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) RETURNING *`);
  const find = db.prepare<[number], Row>(`SELECT * FROM ${name} WHERE id = ?`);
  return { insert: (...params: Params) => insert.get(...params) as Row, find: (id: number) => find.get(id), close: () => db.close() };
}

export function openUsers(dir: string): Table<User, NewUser> {
  const db = open(dir, 'users.db', 'CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, created_at TEXT NOT NULL)');
  const users = table<User, [string, string, string]>(db, 'users', ['name', 'email', 'created_at']);
  return { ...users, insert: ({ name, email }) => users.insert(name, email, new Date().toISOString()) };
}

export function openProducts(dir: string): Table<Product, NewProduct> {
  const db = open(
    dir,
    'products.db',
    'CREATE TABLE IF NOT EXISTS products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT, price REAL NOT NULL, created_at TEXT NOT NULL)',
  );
  const products = table<Product, [string, string | null, number, string]>(db, 'products', ['name', 'description', 'price', 'created_at']);
  return { ...products, insert: ({ name, description, price }) => products.insert(name, description ?? null, price, new Date().toISOString()) };
}

export function openOrders(dir: string): Table<Order, NewOrder> {
  const db = open(
    dir,
    'orders.db',
    `CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, product_id INTEGER NOT NULL, quantity INTEGER NOT NULL,
      total_price REAL NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL)`,
  );
  const orders = table<Order, [number, number, number, number, string, string]>(db, 'orders', ['user_id', 'product_id', 'quantity', 'total_price', 'status', 'created_at']);
  return {
    ...orders,
    insert: ({ user_id, product_id, quantity, total_price }) => orders.insert(user_id, product_id, quantity, total_price, 'PENDING', new Date().toISOString()),
  };
}
