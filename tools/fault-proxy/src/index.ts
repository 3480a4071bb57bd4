/** A small TCP fault proxy with Toxiproxy's fault types, for tests that break the wire, not the process. */
export { startControlApi, type ControlApi } from './control-api.js';
export { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
export { parseToxic, TOXIC_TYPES, ToxicError, type Stream, type Toxic, type ToxicInput, type ToxicType } from './toxics.js';
