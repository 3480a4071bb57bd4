import { SpanKind, context, trace, type Attributes } from '@opentelemetry/api';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { endSpanAfter } from './span-outcome.js';

/** `db.system` of a span: the engine behind the service's Kysely. */
export type DatabaseSystem = 'sqlite' | 'postgresql';

const tracer = trace.getTracer('@microshop/chassis/database');

/** The operation and table a SQL statement works on, for a span's name. */
export interface QueryShape {
  /** `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `BEGIN`, … */
  operation: string;
  /** The first table named after FROM, INTO or UPDATE, without quotes or schema. */
  table?: string | undefined;
}

const TABLE = /\b(?:from|into|update|join)\s+(?:"?[\w$]+"?\.)?"?([\w$]+)"?/i;

/**
 * Reads the operation and table from SQL text.
 *
 * @example
 * describeQuery('select "id" from "orders" where "id" = ?') // { operation: 'SELECT', table: 'orders' }
 */
export function describeQuery(sql: string): QueryShape {
  const operation = (/^\s*(\w+)/.exec(sql)?.[1] ?? 'QUERY').toUpperCase();
  return { operation, table: TABLE.exec(sql)?.[1] };
}

/**
 * The attributes of a query's span: the engine and the statement as compiled, placeholders
 * (`?`, `$1`) and all. The parameter values are never read, so no email, name or amount a query
 * carries can reach a trace.
 */
export function queryAttributes(query: Pick<CompiledQuery, 'sql'>, system: DatabaseSystem): Attributes {
  const { operation, table } = describeQuery(query.sql);
  return {
    'db.system': system,
    'db.system.name': system,
    'db.statement': query.sql,
    'db.operation.name': operation,
    ...(table ? { 'db.collection.name': table } : {}),
  };
}

/** A statement's span: its name and attributes, the same for every run of the same SQL text. */
interface QuerySpanShape {
  name: string;
  attributes: Attributes;
}

/** Distinct SQL texts whose span shape is kept: far more than the queries a service runs. */
const KEPT_SHAPES = 256;

/** The span shape of each SQL text, worked out once (two regular expressions) and then looked up. */
function spanShapes(system: DatabaseSystem): (query: CompiledQuery) => QuerySpanShape {
  const shapes = new Map<string, QuerySpanShape>();
  return (query) => {
    let shape = shapes.get(query.sql);
    if (!shape) {
      const attributes = queryAttributes(query, system);
      const name = attributes['db.collection.name'] ? `${String(attributes['db.operation.name'])} ${String(attributes['db.collection.name'])}` : String(attributes['db.operation.name']);
      shape = { name, attributes };
      if (shapes.size >= KEPT_SHAPES) shapes.clear();
      shapes.set(query.sql, shape);
    }
    return shape;
  };
}

async function runTraced<R>(shapeOf: (query: CompiledQuery) => QuerySpanShape, query: CompiledQuery, run: () => Promise<QueryResult<R>>): Promise<QueryResult<R>> {
  // Queries outside any trace (migrations at start-up) would each become a trace of their own.
  if (!trace.getSpan(context.active())?.isRecording()) return run();
  const { name, attributes } = shapeOf(query);
  // A statement starts no work of its own: its span is a child of the active one without becoming
  // active itself, which spares a context switch around every query.
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
  return endSpanAfter(span, run, (result) => span.setAttribute('db.response.returned_rows', result.rows.length));
}

/** Wraps a Kysely driver so that every statement run on its connections gets a span. */
class TracingDriver implements Driver {
  readonly #inner: Driver;
  readonly #shapeOf: (query: CompiledQuery) => QuerySpanShape;
  /** Our wrapper of each connection → the driver's own, which its other methods expect back. */
  readonly #unwrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(inner: Driver, system: DatabaseSystem) {
    this.#inner = inner;
    this.#shapeOf = spanShapes(system);
  }

  #own(connection: DatabaseConnection): DatabaseConnection {
    return this.#unwrapped.get(connection) ?? connection;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#inner.acquireConnection();
    const shapeOf = this.#shapeOf;
    const wrapped: DatabaseConnection = {
      executeQuery: <R>(query: CompiledQuery) => runTraced(shapeOf, query, () => connection.executeQuery<R>(query)),
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
    };
    this.#unwrapped.set(wrapped, connection);
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(this.#own(connection), settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(this.#own(connection));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(this.#own(connection));
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    if (!this.#inner.savepoint) throw new Error('This database driver has no savepoints');
    return this.#inner.savepoint(this.#own(connection), name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2]): Promise<void> {
    if (!this.#inner.rollbackToSavepoint) throw new Error('This database driver has no savepoints');
    return this.#inner.rollbackToSavepoint(this.#own(connection), name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['releaseSavepoint']>>[2]): Promise<void> {
    if (!this.#inner.releaseSavepoint) throw new Error('This database driver has no savepoints');
    return this.#inner.releaseSavepoint(this.#own(connection), name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(this.#own(connection));
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}

/**
 * A Kysely dialect whose queries are traced: each statement run inside a trace becomes a client
 * span named `SELECT orders`, with `db.system` and `db.statement` (the SQL with its placeholders,
 * never the values). Outside a trace, or with tracing off, queries run untouched.
 *
 * @example
 * new Kysely<DB>({ dialect: traceQueries(new SqliteDialect({ database }), 'sqlite') })
 */
export function traceQueries(dialect: Dialect, system: DatabaseSystem): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new TracingDriver(dialect.createDriver(), system),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
