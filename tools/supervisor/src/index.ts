/**
 * The Microshop supervisor: runs every process of the system on one machine (`npm start`).
 * The pieces are exported for tests and for other tools that run the system.
 */
export { parseArgs, parseReplicas, USAGE, type LogFormat, type Options, type ParsedArgs, type Topology } from './args.js';
export { DEFAULT_BACKOFF, nextRestart, type BackoffPolicy, type RestartPlan } from './backoff.js';
export { describeAnswer, isReady, probeHealth, type HealthAnswer } from './health.js';
export { recentLines, splitLines, type LineSplitter, type RecentLines } from './lines.js';
export { createPrettyFormatter, formatDuration, formatRecord, formatTime, parseRecord, passThrough, type LineFormatter, type LogRecord } from './log-format.js';
export { createProcessLog, createReporter, createTerminal, prefixFor, type OutputOptions, type Reporter, type Sink } from './output.js';
export { describeDatabase, missingEntries, MONOLITH, MONOLITH_MODULES, planInstance, planMonolith, planSystem, redactUrl, replicaPlanner, usesSqlite, type PlanContext } from './plan.js';
export { findTakenPort, freePorts, isPortFree, portTakenMessage, replicaPortsFor, type TakenPort } from './ports.js';
export { colourEnabled, paint, stripColour, PROCESS_COLOURS, type Colour } from './style.js';
export { READY_LINE, publicUrl, summaryLines, summaryRecord, type SummaryOptions, type SummaryRow } from './summary.js';
export { ADMIN_TOKEN_FILE, resolveAdminToken, sameToken } from './admin-token.js';
export { registrySpotOf, registryStatus, type RegistryAnswer, type RegistrySpot } from './registration.js';
export { parseControlBody, parseReplicasBody, parseRolloutBody, startControlServer, type ControlServer, type ControlServerOptions } from './control-server.js';
export { ControlError, createSupervisor, DEFAULT_TIMINGS, describeExit, StartCancelled, StartupError, type ProcessPlan, type RunningProcess, type ScalingOptions, type Supervisor, type SupervisorOptions } from './supervisor.js';
export {
  SYSTEM,
  PROCESS_NAMES,
  REGISTRY,
  childEnvironment,
  dataLocationOf,
  databaseUrlVariable,
  environmentOf,
  instanceId,
  internalUrl,
  schemaOf,
  serviceUrlVariable,
  type DataLocation,
  type ReplicaSlot,
  type SystemProcess,
} from './topology.js';
