export { buildApp, type OrderAppOptions } from './app.js';
export { loadConfig, type OrderServiceConfig } from './config.js';
export { migrations } from './data/migrations.js';
export type { OrderTables } from './data/tables.js';
export { openOrderService, type OrderService } from './module.js';
