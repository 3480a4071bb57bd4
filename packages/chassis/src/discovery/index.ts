export * from './discovery.js';
export * from './dns-resolver.js';
export * from './instance.js';
export * from './load-balancer.js';
export * from './registration.js';
export * from './registry-discovery.js';
export * from './static-resolver.js';
export * from './from-config.js';
