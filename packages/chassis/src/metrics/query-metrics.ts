import type { CompiledQuery, LogEvent } from 'kysely';
import { Counter, Histogram } from 'prom-client';
import { METRIC_PREFIX, perRegistry } from './registry.js';

/** The kind of statement, as the `operation` label says it. */
export type QueryOperation = 'select' | 'insert' | 'update' | 'delete' | 'other';

/** Upper bounds, in seconds, of the query histogram: 0.1 ms (SQLite) to 2.5 s. */
const QUERY_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** How long database queries took (`duration`) and those that failed (`errors`), by operation. */
export const queryMetrics = perRegistry((registry) => ({
  duration: new Histogram({
    name: `${METRIC_PREFIX}db_query_duration_seconds`,
    help: 'Time a database query took, failed ones included, by operation (select, insert, update, delete, other)',
    labelNames: ['operation'] as const,
    buckets: QUERY_BUCKETS_S,
    registers: [registry],
  }),
  errors: new Counter({
    name: `${METRIC_PREFIX}db_query_errors_total`,
    help: 'Database queries that failed (constraint violations included), by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  }),
}));

const NODE_OPERATIONS: Record<string, QueryOperation> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};
const KEYWORDS = new Set<string>(['select', 'insert', 'update', 'delete']);

/** The operation of a compiled query: from the query builder's node, or from the first word of raw SQL. */
export function queryOperation(query: CompiledQuery): QueryOperation {
  const byNode = NODE_OPERATIONS[query.query.kind];
  if (byNode) return byNode;
  const keyword = /^\s*([a-z]+)/i.exec(query.sql)?.[1]?.toLowerCase() ?? '';
  return KEYWORDS.has(keyword) ? (keyword as QueryOperation) : 'other';
}

/**
 * Kysely's `log` option: records each query's duration, and counts failures. Statements and values
 * are never labels.
 *
 * @example
 * new Kysely<DB>({ dialect, log: observeQuery })
 */
export function observeQuery(event: LogEvent): void {
  const operation = queryOperation(event.query);
  const metrics = queryMetrics();
  metrics.duration.observe({ operation }, event.queryDurationMillis / 1000);
  if (event.level === 'error') metrics.errors.inc({ operation });
}
