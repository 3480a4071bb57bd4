import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MAX_REPLICAS, SCALABLE, type BackendName, type ServiceName, type SupervisedInstance } from '@microshop/contracts';
import { testKeys, type TestKeys } from '@microshop/testkit';
import {
  createReporter,
  createSupervisor,
  freePorts,
  MONOLITH,
  PROCESS_NAMES,
  planMonolith,
  planSystem,
  replicaPlanner,
  replicaPortsFor,
  startControlServer,
  type BackoffPolicy,
  type ControlServer,
  type OutputOptions,
  type PlanContext,
  type Supervisor,
} from '@microshop/supervisor';
import { ROOT_DIR } from './system.js';
import { onMonolith } from './topology.js';

/** The whole system under the real supervisor code, in this test process, on free ports. */
export interface SupervisedSystem {
  /** The gateway's base URL. */
  url: string;
  adminToken: string;
  /** The run's own service keys (every process reads them from `keys.file`): sign tokens as any principal. */
  keys: TestKeys;
  /** The fresh directory the services keep their SQLite files in (`payments.db`, …), for tests that tamper with the data. */
  databaseDir: string;
  /** The base URL of a process's replica 1. */
  baseUrl(service: ServiceName): string;
  /** Every instance the supervisor runs now, with its port and state. */
  instances(): SupervisedInstance[];
  /** Every line the processes and the supervisor printed so far. */
  output(): string;
  supervisor: Supervisor;
  /** The supervisor's control endpoint (GET /processes, PUT /services/:service/replicas...). */
  controlUrl: string;
  stop(): Promise<void>;
}

export interface SupervisedSystemOptions {
  /** Extra environment for the gateway (e.g. CALL_TIMEOUT_MS). */
  gatewayEnv?: Record<string, string>;
  /** Extra environment for every process (e.g. BROKER_URL). */
  env?: Record<string, string>;
  /** The processes' log level (default warn). */
  logLevel?: string;
  /** How many instances of each backend to start (default 1); replicas 2+ get free ports too. */
  replicas?: Partial<Record<BackendName, number>>;
  /**
   * Run the modular monolith (every module and the gateway in one process, beside the payment
   * provider) instead of a process per service. Default: the suite's topology (`MICROSHOP_TOPOLOGY`);
   * a system with replicas is always microservices.
   */
  monolith?: boolean;
  /** Load the tracing preload, every process sending its spans to this system's gateway (default off: no spans). */
  tracing?: boolean;
  /** How soon a crashed process is restarted (default the supervisor's: 250 ms doubling); crash tests that kill a process many times keep it short. */
  backoff?: BackoffPolicy;
}

/**
 * Starts the registry, the four services and the gateway as separate OS processes under
 * `createSupervisor` (the code behind `npm start`) and its control endpoint, planned by the
 * supervisor's own `planSystem` on free loopback ports, with a fresh database directory and test
 * credentials. Every process but the registry gets `REGISTRY_URL` and `INSTANCE_ID` and finds its
 * neighbours through the registry (no `*_SERVICE_URL`). The tracing preload is left out unless
 * `tracing` asks for it (then every process sends its spans to this system's gateway). Unlike `startSystem`, it never needs fixed ports.
 *
 * @example
 * const system = await startSupervisedSystem({ replicas: { 'order-service': 2 } })
 * await fetch(`${system.url}/api/admin/services`, { headers: { 'x-admin-token': system.adminToken } })
 */
export async function startSupervisedSystem({ gatewayEnv = {}, env: extraEnv = {}, logLevel = 'warn', replicas = {}, backoff, tracing = false, monolith = onMonolith && Object.keys(replicas).length === 0 }: SupervisedSystemOptions = {}): Promise<SupervisedSystem> {
  const dir = mkdtempSync(path.join(tmpdir(), 'microshop-supervised-'));
  const adminToken = `e2e-admin-${Math.random().toString(36).slice(2)}-token`;
  const keys = testKeys();
  const [controlPort = 0, ...processPorts] = await freePorts(PROCESS_NAMES.length + 1);
  const ports = Object.fromEntries(PROCESS_NAMES.map((name, index) => [name, processPorts[index] ?? 0])) as Record<ServiceName, number>;
  // The gateway's per-client rate limit off: every request of the suite comes from one address
  // (127.0.0.1), hundreds a second. A test of the limit itself turns it on through `gatewayEnv`.
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.endsWith('DATABASE_URL'))), RATE_LIMIT_RPS: '0', ...extraEnv, ...keys.env, ...(tracing ? { GATEWAY_URL: `http://127.0.0.1:${ports.gateway}` } : {}) };
  const context: PlanContext = {
    rootDir: ROOT_DIR,
    env,
    nodePath: process.execPath,
    guardFile: pathToFileURL(path.join(ROOT_DIR, 'tools/supervisor/dist/child-guard.js')).href,
    telemetryModule: tracing ? '@microshop/chassis/telemetry/register' : null,
    logLevel,
    ports,
  };
  const options = { databaseDir: dir, only: PROCESS_NAMES, logFormat: 'json' as const, replicas };
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  // The gateway's settings go to the process that holds it: the gateway, or the monolith.
  const front = monolith ? MONOLITH.name : 'gateway';
  const planned = monolith ? planMonolith(options, context) : planSystem(options, { ...context, replicaPorts: await replicaPortsFor(replicas) });
  const plans = planned.map((plan) => (plan.name === front ? { ...plan, env: { ...plan.env, ADMIN_TOKEN: adminToken, SUPERVISOR_URL: controlUrl, ...gatewayEnv } } : plan));

  let lines = '';
  const output: OutputOptions = { format: 'json', colour: false, nameWidth: 18, sink: { write: (_stream, line) => void (lines += `${line}\n`) } };
  const scaling = { services: monolith ? [] : SCALABLE, maxReplicas: MAX_REPLICAS, plan: replicaPlanner(options, context) };
  const supervisor = createSupervisor({ plans, scaling, cwd: ROOT_DIR, output, reporter: createReporter(output, process.pid), ...(backoff ? { backoff } : {}) });
  let control: ControlServer | undefined = await startControlServer({ supervisor, adminToken, port: controlPort });
  try {
    await supervisor.start();
  } catch (error) {
    await supervisor.stop();
    await control.close();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`The supervised system did not start: ${error instanceof Error ? error.message : String(error)}\n${lines}`);
  }
  return {
    url: `http://127.0.0.1:${ports.gateway}`,
    adminToken,
    keys,
    databaseDir: dir,
    baseUrl: (service) => `http://127.0.0.1:${ports[service]}`,
    instances: () => supervisor.processes(),
    output: () => lines,
    supervisor,
    controlUrl,
    stop: async () => {
      await supervisor.stop();
      await control?.close();
      control = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
