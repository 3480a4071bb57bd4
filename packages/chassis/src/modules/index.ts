export * from './scope.js';
export * from './in-process.js';
