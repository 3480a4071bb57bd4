import type { Kysely } from 'kysely';
import { isUniqueViolation, type ServiceMigration } from '../database.js';

/** The table each service with idempotent routes keeps, in its own database. */
export interface IdempotencyTables {
  idempotency_keys: {
    key: string;
    /** Hash of method, route and canonical body: the same key with another request is refused. */
    fingerprint: string;
    /** `running` while the first request executes; `done` once its answer is stored. */
    state: 'running' | 'done';
    status_code: number | null;
    content_type: string | null;
    body: string | null;
    /** Epoch ms. */
    created_at: number;
    /** Epoch ms until which a `running` key belongs to the request that claimed it. */
    lease_until: number;
  };
}

/**
 * The migration creating `idempotency_keys`. Add it to a service's migrations (after its own) to use
 * {@link registerIdempotency}.
 */
export const idempotencyMigration: ServiceMigration = async (db) => {
  await db.schema
    .createTable('idempotency_keys')
    .ifNotExists()
    .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('content_type', 'text')
    .addColumn('body', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('idempotency_keys_created_at').ifNotExists().on('idempotency_keys').column('created_at').execute();
};

/** A stored answer, replayed to every retry. */
export interface StoredAnswer {
  statusCode: number;
  contentType: string | null;
  body: string;
}

/** What claiming a key found. */
export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'running' }
  | { kind: 'mismatch' };

/** The key store: claim by unique insert, finish, release, forget old keys. */
export interface IdempotencyStore {
  claim(key: string, fingerprint: string, now: number, leaseMs: number): Promise<Claim>;
  finish(key: string, answer: StoredAnswer): Promise<void>;
  release(key: string): Promise<void>;
  /** Deletes keys created before `before` (epoch ms); returns how many. */
  expire(before: number): Promise<number>;
}

/**
 * The store over a service's database. A key is claimed by inserting it (the primary key decides
 * between concurrent requests, never a read-then-write); a `running` key whose lease ran out (its
 * request's process died) is taken over by one conditional update.
 */
export function createIdempotencyStore<DB extends IdempotencyTables>(database: Kysely<DB>): IdempotencyStore {
  // The service's own tables are of no concern here: only `idempotency_keys` is touched.
  const db = database as unknown as Kysely<IdempotencyTables>;
  return {
    async claim(key, fingerprint, now, leaseMs) {
      try {
        await db.insertInto('idempotency_keys').values({ key, fingerprint, state: 'running', status_code: null, content_type: null, body: null, created_at: now, lease_until: now + leaseMs }).execute();
        return { kind: 'claimed' };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const row = await db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
      // Released (deleted) between our insert and this read: the caller may simply try again.
      if (!row) return { kind: 'running' };
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (row.state === 'done') return { kind: 'replay', answer: { statusCode: Number(row.status_code), contentType: row.content_type, body: row.body ?? '' } };
      if (Number(row.lease_until) > now) return { kind: 'running' };
      const taken = await db
        .updateTable('idempotency_keys')
        .set({ lease_until: now + leaseMs })
        .where('key', '=', key)
        .where('state', '=', 'running')
        .where('lease_until', '=', row.lease_until)
        .executeTakeFirst();
      return Number(taken.numUpdatedRows) === 1 ? { kind: 'claimed' } : { kind: 'running' };
    },
    async finish(key, { statusCode, contentType, body }) {
      await db.updateTable('idempotency_keys').set({ state: 'done', status_code: statusCode, content_type: contentType, body }).where('key', '=', key).execute();
    },
    async release(key) {
      await db.deleteFrom('idempotency_keys').where('key', '=', key).where('state', '=', 'running').execute();
    },
    async expire(before) {
      const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

