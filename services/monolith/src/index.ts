export { loadConfig, moduleEnvironment, MODULES, portOf, type ModuleName, type MonolithConfig } from './config.js';
export { openMonolith, type Door, type Monolith } from './monolith.js';
