export { buildApp, type RegistryAppOptions } from './app.js';
export { DEFAULT_ALLOWED_HOSTS, loadConfig, type RegistryConfig } from './config.js';
export { createRegistryStore, type RegistryStore, type StatusFilter } from './domain/store.js';
