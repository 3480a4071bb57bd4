/** Helpers for Microshop's tests: real databases, real ports, neighbours faked at the HTTP level. */
export * from './databases.js';
export * from './fake-service.js';
export * from './http.js';
