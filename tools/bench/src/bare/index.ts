export { startBareSystem, type BareKind, type BareProcessName, type BareStartOptions, type BareSystem } from './system.js';
export { BARE_ROLES, buildBareServer, type BareRole, type BareServerConfig } from './servers.js';
