import { identityFrom, migrateToLatest, openDatabase, type App, type ServiceIdentity } from '@microshop/chassis';
import { buildApp } from './app.js';
import type { UserServiceConfig } from './config.js';
import { migrations } from './data/migrations.js';
import type { UserTables } from './data/tables.js';

/** The User service, opened and ready to serve: its app (closing it closes the database) and where its data is. */
export interface UserService {
  app: App;
  database: string;
}

/**
 * Opens the User service from its config: database, migrations, app. It does not listen: `main.ts`
 * puts it on its own port; the modular monolith mounts it beside the others in one process.
 *
 * @example
 * const { app } = await openUserService(loadConfig())
 */
export async function openUserService(config: UserServiceConfig, { identity = identityFrom('user-service', config) }: { identity?: ServiceIdentity } = {}): Promise<UserService> {
  const database = await openDatabase<UserTables>({ url: config.DATABASE_URL, file: config.DATABASE_FILE, schema: config.DATABASE_SCHEMA });
  await migrateToLatest(database, migrations);
  const app = await buildApp({ database, logLevel: config.LOG_LEVEL, bodyLimit: config.BODY_LIMIT_BYTES, identity });
  app.addHook('onClose', database.close);
  return { app, database: database.location };
}
