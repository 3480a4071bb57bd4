export * from './plugin.js';
export * from './store.js';
