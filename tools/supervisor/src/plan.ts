import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Options } from './args.js';
import type { ProcessPlan } from './supervisor.js';
import type { ServiceName } from '@microshop/contracts';
import { REGISTRY, SYSTEM, childEnvironment, dataLocationOf, databaseUrlVariable, environmentOf, instanceId, internalUrl, type ReplicaSlot, type SystemProcess } from './topology.js';

/** What a plan needs to know about the machine it runs on. */
export interface PlanContext {
  /** The repository root: entry files are relative to it. */
  rootDir: string;
  /** The supervisor's own environment, inherited by every child (minus the managed variables). */
  env: NodeJS.ProcessEnv;
  /** The Node.js executable that runs the children. */
  nodePath: string;
  /** Module every child loads first (`--import`): it stops the child when the supervisor is gone. */
  guardFile: string;
  /**
   * Module every child loads next (`--import`), before its own code: tracing (see docs/adr/0008).
   * `null` leaves it out: tests on free ports, whose spans would otherwise go to the spec's gateway.
   */
  telemetryModule: string | null;
  logLevel: string;
  /** The port of each process's first replica when not its spec port (a whole system on free ports, in tests). */
  ports?: Partial<Record<ServiceName, number>>;
  /** The ports of replicas 2..N of each service started with several, in order (see `freePorts`). */
  replicaPorts?: Partial<Record<ServiceName, readonly number[]>>;
}

/** A PostgreSQL URL with its password hidden, for output. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unreadable URL)';
  }
}

/** Where a process's data lives, as the summary shows it: a file path, or a PostgreSQL URL without its password. */
export function describeDatabase(proc: SystemProcess, databaseDir: string, env: NodeJS.ProcessEnv): string | null {
  const data = dataLocationOf(proc, databaseDir, env);
  if (data === null) return null;
  if (data.kind === 'sqlite') return data.file;
  return `${redactUrl(data.url)}${data.schema === undefined ? '' : ` (schema ${data.schema})`}`;
}

/** True when at least one selected process keeps its data in a SQLite file (so the directory is needed). */
export function usesSqlite(options: Pick<Options, 'only' | 'databaseDir'>, env: NodeJS.ProcessEnv): boolean {
  return SYSTEM.some((proc) => options.only.includes(proc.name) && dataLocationOf(proc, options.databaseDir, env)?.kind === 'sqlite');
}

/** The system process called `name`; throws for a name {@link SYSTEM} does not declare. */
function processNamed(name: string): SystemProcess {
  const proc = SYSTEM.find((p) => p.name === name);
  if (!proc) throw new Error(`No process named ${name} in the system`);
  return proc;
}

/**
 * The plan of one instance: replica `slot.replica` of `proc` on `slot.port`, run as
 * `node --import <guard> --import <telemetry> services/<name>/dist/main.js`. Every replica of a
 * service gets the same database and differs only in `PORT` and `INSTANCE_ID`.
 */
export function planInstance(proc: SystemProcess, slot: ReplicaSlot, options: Pick<Options, 'databaseDir'>, context: PlanContext): ProcessPlan {
  const { rootDir, env, nodePath, guardFile, telemetryModule, logLevel, ports = {} } = context;
  const registryUrl = internalUrl(REGISTRY, ports);
  const preloads = ['--import', guardFile, ...(telemetryModule === null ? [] : ['--import', telemetryModule])];
  return {
    name: proc.name,
    replica: slot.replica,
    instanceId: instanceId(proc.name, slot.replica),
    command: nodePath,
    args: [...preloads, path.join(rootDir, proc.entry)],
    env: childEnvironment(env, environmentOf(proc, { databaseDir: options.databaseDir, env, logLevel, registryUrl }, slot)),
    port: slot.port,
    baseUrl: `http://127.0.0.1:${slot.port}`,
    stage: proc.stage,
    database: describeDatabase(proc, options.databaseDir, env),
  };
}

/**
 * Turns the declared {@link SYSTEM} and the command line into concrete process plans: every
 * replica of each selected process, replica 1 on its spec port (or its port in `context.ports`),
 * replicas 2..N on `context.replicaPorts`. Throws when a service has more replicas than ports.
 *
 * @example
 * planSystem({ ...options, replicas: { 'order-service': 2 } }, { ...context, replicaPorts: { 'order-service': [41234] } })
 * // [registry-1, user-service-1, ..., order-service-1 (5003), order-service-2 (41234), ..., gateway-1]
 */
export function planSystem(options: Options, context: PlanContext): ProcessPlan[] {
  return SYSTEM.filter((proc) => options.only.includes(proc.name)).flatMap((proc) => {
    const count = (options.replicas as Partial<Record<string, number>>)[proc.name] ?? 1;
    const extra = context.replicaPorts?.[proc.name] ?? [];
    if (extra.length < count - 1) throw new Error(`${proc.name} has ${count} replicas but ports for ${extra.length + 1}`);
    const ports = [context.ports?.[proc.name] ?? proc.port, ...extra.slice(0, count - 1)];
    return ports.map((port, index) => planInstance(proc, { replica: index + 1, port }, options, context));
  });
}

/**
 * The plan the supervisor uses to add a replica at run time (`Supervisor.scale`): the same as
 * {@link planSystem} would have made for that slot, on the free port the supervisor chose.
 */
export function replicaPlanner(options: Pick<Options, 'databaseDir'>, context: PlanContext): (service: string, replica: number, port: number) => ProcessPlan {
  return (service, replica, port) => planInstance(processNamed(service), { replica, port }, options, context);
}

/** The modular monolith's process: its name in plans, summaries and control requests, and its entry point. */
export const MONOLITH = { name: 'monolith', entry: 'services/monolith/dist/main.js' } as const;

/** The modules the monolith process holds: a control request naming one of them acts on the whole process. */
export const MONOLITH_MODULES: readonly ServiceName[] = ['user-service', 'product-service', 'order-service', 'payment-service', 'gateway'];

/** `order-service` → `ORDER_SERVICE_PORT`: the variable that sets a module's own port in the monolith. */
const modulePortVariable = (name: ServiceName) => `${name.replace(/-/g, '_').toUpperCase()}_PORT`;

/**
 * The plans of the modular monolith (`--monolith`): the payment provider, an outside party in every
 * topology, in its own process as always (without a registry: nothing runs one), and, started with
 * it, the monolith process holding the four service modules and the gateway, on the gateway's port,
 * each module also on its own port (the spec's, or its port in `context.ports`). Each module keeps
 * its own database: the same files (or PostgreSQL schemas) the services use, so either topology can
 * start on the other's data.
 *
 * @example
 * planMonolith({ databaseDir: '/srv/db', only: PROCESS_NAMES, logFormat: 'pretty', replicas: {}, topology: 'monolith' }, context)
 * // [payment-provider-1 (5011), monolith-1 (5000, modules on 5001–5004)]
 */
export function planMonolith(options: Pick<Options, 'databaseDir'>, context: PlanContext): ProcessPlan[] {
  const { rootDir, env, nodePath, guardFile, telemetryModule, logLevel, ports = {} } = context;
  const provider = planInstance(processNamed('payment-provider'), { replica: 1, port: ports['payment-provider'] ?? SYSTEM.find((p) => p.name === 'payment-provider')?.port ?? 0 }, options, context);
  // No registry runs beside the monolith: the provider registers nowhere.
  const providerEnv = Object.fromEntries(Object.entries(provider.env).filter(([key]) => key !== 'REGISTRY_URL' && key !== 'INSTANCE_ID'));
  const port = ports.gateway ?? SYSTEM.find((p) => p.name === 'gateway')?.port ?? 0;
  const own: Record<string, string> = {
    PORT: String(port),
    OTEL_SERVICE_NAME: MONOLITH.name,
    LOG_LEVEL: logLevel,
    DATABASE_DIR: options.databaseDir,
    PAYMENT_PROVIDER_URL: internalUrl('payment-provider', ports),
  };
  for (const name of MONOLITH_MODULES) {
    if (name === 'gateway') continue;
    if (ports[name] !== undefined) own[modulePortVariable(name)] = String(ports[name]);
    // PostgreSQL: the same choice as each service would make (a database of its own, or a schema of its own in a shared one).
    const data = dataLocationOf(processNamed(name), options.databaseDir, env);
    if (data?.kind === 'postgres' && data.schema === undefined) own[databaseUrlVariable(name)] = data.url;
    if (data?.kind === 'postgres' && data.schema !== undefined) own.DATABASE_URL = data.url;
  }
  const preloads = ['--import', guardFile, ...(telemetryModule === null ? [] : ['--import', telemetryModule])];
  const databases = MONOLITH_MODULES.filter((name) => name !== 'gateway').map((name) => describeDatabase(processNamed(name), options.databaseDir, env));
  return [
    { ...provider, env: providerEnv },
    {
      name: MONOLITH.name,
      replica: 1,
      instanceId: instanceId(MONOLITH.name, 1),
      command: nodePath,
      args: [...preloads, path.join(rootDir, MONOLITH.entry)],
      env: childEnvironment(env, own),
      port,
      baseUrl: `http://127.0.0.1:${port}`,
      // With the provider, not after it: nothing in the monolith calls the provider while it starts.
      stage: 1,
      database: databases.join(', '),
      modules: MONOLITH_MODULES,
    },
  ];
}

/** The entry files of `only` (or of the monolith) that have not been built yet, relative to the root. */
export function missingEntries(options: Pick<Options, 'only' | 'topology'>, rootDir: string): string[] {
  if (options.topology === 'monolith') return [MONOLITH.entry, processNamed('payment-provider').entry].filter((entry) => !existsSync(path.join(rootDir, entry)));
  return SYSTEM.filter((proc) => options.only.includes(proc.name) && !existsSync(path.join(rootDir, proc.entry))).map((proc) => proc.entry);
}
