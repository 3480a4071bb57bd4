export { buildApp, type PaymentAppOptions } from './app.js';
export { loadConfig, type PaymentServiceConfig } from './config.js';
export { migrations } from './data/migrations.js';
export type { PaymentTables } from './data/tables.js';
export { openPaymentService, type PaymentService } from './module.js';
