/** Helpers for Microshop's tests: real databases, real ports and processes, neighbours faked at the HTTP level. */
export * from './databases.js';
export * from './fake-service.js';
export * from './http.js';
export * from './latency-proxy.js';
export * from './metrics.js';
export * from './promtool.js';
export * from './raw-socket.js';
export * from './service-process.js';
export * from './service-keys.js';
