export { buildApp, type ProviderAppOptions } from './app.js';
export { loadConfig, type PaymentProviderConfig } from './config.js';
export { migrations } from './data/migrations.js';
export type { ProviderTables } from './data/tables.js';
