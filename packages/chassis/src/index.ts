/**
 * The service chassis: what every Microshop service gets by a few explicit calls — config,
 * logging, problem+json errors, health, the database, the client for calling neighbours,
 * pagination, money, tracing and graceful shutdown.
 */
export * from './admin-auth.js';
export * from './chaos.js';
export * from './client-limits.js';
export * from './config.js';
export * from './database.js';
export * from './discovery/index.js';
export * from './errors.js';
export * from './events/index.js';
export * from './health.js';
export * from './idempotency/index.js';
export * from './lifecycle.js';
export * from './logger.js';
export * from './metrics/index.js';
export * from './money.js';
export * from './pagination.js';
export * from './paths.js';
export * from './server.js';
export * from './identity/index.js';
export * from './resilience/index.js';
export * from './resource-client.js';
export * from './schema.js';
export * from './service-client.js';
export * from './telemetry/index.js';
export * from './validation.js';
export * from './test-hooks.js';
export * from './modules/index.js';
export * from './serving.js';
export { keyFiles, keyVariableOf } from './cli/service-keys.js';
