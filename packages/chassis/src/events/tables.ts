import type { Generated } from 'kysely';
import type { ServiceMigration } from '../database.js';
import { createTableWithId } from '../schema.js';

/** The outbox and inbox tables a service with events keeps in its own database. */
export interface EventTables {
  outbox: {
    /** The order events were recorded in (an auto-increment: several events of one transaction share a millisecond). */
    id: Generated<number>;
    /** The event's own id: consumers apply each once. */
    event_id: string;
    type: string;
    version: number;
    subject: string;
    /** The whole envelope, as JSON. */
    envelope: string;
    /** Epoch ms. */
    created_at: number;
    /** `pending` until published; `published` once a transport accepted it; `dead` after too many attempts. */
    state: 'pending' | 'published' | 'dead';
    attempts: number;
    /** Epoch ms before which the relay does not try again. */
    next_attempt_at: number;
    published_at: number | null;
    last_error: string | null;
  };
  inbox: {
    /** The id of an event already applied here. */
    event_id: string;
    type: string;
    /** Epoch ms. */
    applied_at: number;
  };
}

/** Creates `outbox` and `inbox`. Add it to a service's migrations to publish or consume events. */
export const eventsMigration: ServiceMigration = async (db, dialect) => {
  await createTableWithId(db, 'outbox', dialect)
    .addColumn('event_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('subject', 'varchar(128)', (c) => c.notNull())
    .addColumn('envelope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('outbox_pending').ifNotExists().on('outbox').columns(['state', 'next_attempt_at']).execute();
  await db.schema
    .createTable('inbox')
    .ifNotExists()
    .addColumn('event_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(64)', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .execute();
};
