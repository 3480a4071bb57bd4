export { buildApp, type UserAppOptions } from './app.js';
export { loadConfig, type UserServiceConfig } from './config.js';
export { migrations } from './data/migrations.js';
export type { UserTables } from './data/tables.js';
export { openUserService, type UserService } from './module.js';
