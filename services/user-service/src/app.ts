import { createServer, registerHealth, type App, type Database, type ServiceIdentity } from '@microshop/chassis';
import { createUserRepository } from './data/user-repository.js';
import type { UserTables } from './data/tables.js';
import { registerUserRoutes } from './routes/user-routes.js';

export interface UserAppOptions {
  database: Database<UserTables>;
  logLevel?: string | false;
  bodyLimit?: number;
  /** The service's identity: which callers its `/internal/*` routes believe; unset: the development one. */
  identity?: ServiceIdentity;
  now?: () => Date;
}

/** Builds the User service's app from its dependencies. Never listens: `main.ts` does, tests inject. */
export async function buildApp({ database, logLevel, bodyLimit, identity, now = () => new Date() }: UserAppOptions): Promise<App> {
  const app = await createServer({
    name: 'user-service',
    description: 'Owns users. Database: users.db.',
    ...(logLevel === undefined ? {} : { logLevel }),
    ...(bodyLimit === undefined ? {} : { bodyLimit }),
    ...(identity === undefined ? {} : { identity }),
  });
  registerHealth(app, { service: 'user-service', checks: { database: database.ping } });
  registerUserRoutes(app, { users: createUserRepository(database.db), now });
  return app;
}
