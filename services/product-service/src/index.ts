export { buildApp, type ProductAppOptions } from './app.js';
export { loadConfig, type ProductServiceConfig } from './config.js';
export { migrations } from './data/migrations.js';
export type { ProductTables } from './data/tables.js';
export { openProductService, type ProductService } from './module.js';
