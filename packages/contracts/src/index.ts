/**
 * The wire contracts of Microshop: TypeBox schemas of every HTTP body, shared by the services,
 * the gateway and the tests. Data only, no logic.
 */
export * from './common.js';
export * from './users.js';
export * from './products.js';
export * from './orders.js';
export * from './payments.js';
export * from './services.js';
export * from './details.js';
export * from './traces.js';
export * from './gateway.js';
export * from './traffic.js';
export * from './overview.js';
export * from './chaos.js';
export * from './resilience.js';
export * from './registry.js';
export * from './scaling.js';
export * from './events.js';
export * from './consistency.js';
export * from './provider.js';
export * from './bench.js';
