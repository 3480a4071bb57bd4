import path from 'node:path';
import { MAX_REPLICAS, SCALABLE, type BackendName, type ServiceName } from '@microshop/contracts';
import { PROCESS_NAMES } from './topology.js';

/** How the supervisor writes the processes' log lines. */
export type LogFormat = 'pretty' | 'json';

/** What the command line asked for. */
export interface Options {
  /** Absolute directory for the SQLite files. */
  databaseDir: string;
  /** The processes to start, in start order. */
  only: readonly ServiceName[];
  logFormat: LogFormat;
  /** How many instances to start of the services named in `--replicas`; the others run one. */
  replicas: Readonly<Partial<Record<BackendName, number>>>;
  /**
   * `microservices`: a process per service (the default); `monolith`: every service module and the
   * gateway in one process (`--monolith`), beside the payment provider, an outside party in both.
   * Unset: `microservices`.
   */
  topology?: Topology;
}

/** How the system runs: a process per service, or the same modules in one process. */
export type Topology = 'microservices' | 'monolith';

/** The outcome of reading the command line: options to run with, a request for help, or an error. */
export type ParsedArgs = { kind: 'run'; options: Options } | { kind: 'help' } | { kind: 'error'; message: string };

/** Where relative paths on the command line resolve and what the defaults are. */
export interface ArgsContext {
  /** The directory the command runs in: relative `--database-dir` values resolve against it. */
  cwd: string;
  /** The default database directory (`database/` at the repository root). */
  defaultDatabaseDir: string;
}

/** The `--help` text. */
export const USAGE = `Usage: npm start -- [options]     (or ./start.sh [options])

Starts every Microshop process on this machine, waits until each one is healthy,
restarts a process that crashes, and stops them all on Ctrl-C.

Options:
  --database-dir DIR        directory for the SQLite files (default: database/ at the repository root)
  --only NAME[,NAME...]     start only these processes: ${PROCESS_NAMES.join(', ')}
                            (the registry starts with any of them: it is how they find each other)
  --replicas NAME=N[,NAME=N...]
                            run N instances of a service (1 to ${MAX_REPLICAS}; default 1): the first on
                            its spec port, the others on free ports, all sharing its database.
                            Scalable: ${SCALABLE.join(', ')}
  --monolith                the modular monolith: the four service modules and the gateway in one
                            process (calls between them in-process, a database each), beside the
                            payment provider; not with --only or --replicas
  --log-format pretty|json  pretty: one readable line per log entry (default);
                            json: the processes' JSON log lines, untouched
  --help                    show this text

Environment:
  LOG_LEVEL                 level the processes log at (default: info)
  DATABASE_URL              a PostgreSQL database to use instead of the SQLite files: each
                            service gets a schema of its own (users, products, orders, payments, provider)
  USER_SERVICE_DATABASE_URL (and PRODUCT_, ORDER_, PAYMENT_SERVICE_DATABASE_URL, PAYMENT_PROVIDER_DATABASE_URL)
                            a PostgreSQL database of its own for one service
  NO_COLOR                  set to turn colours off
`;

const FLAGS = ['--database-dir', '--only', '--replicas', '--log-format', '--monolith', '--help'] as const;
type Flag = (typeof FLAGS)[number];

const isFlag = (value: string): value is Flag => (FLAGS as readonly string[]).includes(value);
const isProcessName = (value: string): value is ServiceName => (PROCESS_NAMES as readonly string[]).includes(value);
const isScalable = (value: string): value is BackendName => (SCALABLE as readonly string[]).includes(value);

/**
 * Reads `--replicas order-service=3,product-service=2` into counts per service, or the message
 * naming what is wrong: a missing `=`, an unknown or unscalable service, a count outside
 * 1..MAX_REPLICAS, a service given twice, or one that `--only` does not start.
 */
export function parseReplicas(value: string, only: readonly ServiceName[] = PROCESS_NAMES): Partial<Record<BackendName, number>> | { error: string } {
  const replicas: Partial<Record<BackendName, number>> = {};
  for (const entry of value.split(',').map((e) => e.trim())) {
    const equals = entry.indexOf('=');
    if (equals <= 0) return { error: `--replicas: "${entry}" needs a service and a count, as in order-service=3.` };
    const name = entry.slice(0, equals).trim();
    const count = entry.slice(equals + 1).trim();
    if (!isScalable(name)) {
      const why = isProcessName(name) ? `${name} cannot be scaled` : `unknown service "${name}"`;
      return { error: `--replicas: ${why}; choose from ${SCALABLE.join(', ')}.` };
    }
    if (!/^\d+$/.test(count) || Number(count) < 1 || Number(count) > MAX_REPLICAS) {
      return { error: `--replicas: the count for ${name} must be a whole number from 1 to ${MAX_REPLICAS}, not "${count}".` };
    }
    if (replicas[name] !== undefined) return { error: `--replicas: ${name} is given twice.` };
    if (!only.includes(name)) return { error: `--replicas: ${name} is not started (see --only).` };
    replicas[name] = Number(count);
  }
  return replicas;
}

/**
 * Reads the supervisor's command line. Never throws and never exits: a bad argument comes back as
 * `{ kind: 'error' }` with a message naming it.
 *
 * @example
 * parseArgs(['--replicas', 'order-service=3', '--log-format', 'json'], { cwd: '/repo', defaultDatabaseDir: '/repo/database' })
 */
export function parseArgs(argv: readonly string[], { cwd, defaultDatabaseDir }: ArgsContext): ParsedArgs {
  const values = new Map<Flag, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const equals = arg.indexOf('=');
    const name = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    if (!isFlag(name)) {
      return { kind: 'error', message: arg.startsWith('-') ? `Unknown option ${name}.` : `Unexpected argument "${arg}": the supervisor takes options only.` };
    }
    if (name === '--help') {
      if (equals > 0) return { kind: 'error', message: '--help takes no value.' };
      return { kind: 'help' };
    }
    if (name === '--monolith') {
      if (equals > 0) return { kind: 'error', message: '--monolith takes no value.' };
      if (values.has(name)) return { kind: 'error', message: '--monolith is given twice.' };
      values.set(name, 'yes');
      continue;
    }
    let value: string | undefined;
    if (equals > 0) {
      value = arg.slice(equals + 1);
    } else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) return { kind: 'error', message: `${name} needs a value.` };
      i++;
    }
    if (value === '') return { kind: 'error', message: `${name} needs a value.` };
    if (values.has(name)) return { kind: 'error', message: `${name} is given twice.` };
    values.set(name, value);
  }

  const logFormat = values.get('--log-format') ?? 'pretty';
  if (logFormat !== 'pretty' && logFormat !== 'json') {
    return { kind: 'error', message: `--log-format must be pretty or json, not "${logFormat}".` };
  }

  let only: readonly ServiceName[] = PROCESS_NAMES;
  const onlyValue = values.get('--only');
  if (onlyValue !== undefined) {
    const names = onlyValue.split(',').map((n) => n.trim());
    const unknown = names.find((n) => !isProcessName(n));
    if (unknown !== undefined) {
      return { kind: 'error', message: `--only: unknown process "${unknown}"; choose from ${PROCESS_NAMES.join(', ')}.` };
    }
    // Every process finds its neighbours through the registry: it starts whenever anything else does.
    if (names.some((n) => n !== 'registry')) names.push('registry');
    only = PROCESS_NAMES.filter((n) => names.includes(n));
  }

  const replicasValue = values.get('--replicas');
  const replicas = replicasValue === undefined ? {} : parseReplicas(replicasValue, only);
  if ('error' in replicas) return { kind: 'error', message: replicas.error };

  const topology: Topology = values.has('--monolith') ? 'monolith' : 'microservices';
  if (topology === 'monolith') {
    // One process holds every module: there is no process to leave out or to run twice.
    const clash = onlyValue !== undefined ? '--only' : replicasValue !== undefined ? '--replicas' : undefined;
    if (clash) return { kind: 'error', message: `--monolith runs every module in one process: it cannot be combined with ${clash}.` };
  }

  const databaseDir = path.resolve(cwd, values.get('--database-dir') ?? defaultDatabaseDir);
  return { kind: 'run', options: { databaseDir, only, logFormat, replicas, topology } };
}
