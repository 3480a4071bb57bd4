import { onMonolith } from './topology.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVICES, type BackendName, type ServiceName } from '@microshop/contracts';

/** The repository root. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The compiled supervisor: exactly what `npm start` runs. */
export const SUPERVISOR = path.join(ROOT_DIR, 'tools/supervisor/dist/main.js');

/** Every process of the system. */
export const ALL_SERVICES = Object.keys(SERVICES) as ServiceName[];

/** The line the supervisor prints once every process is healthy. */
export const READY_LINE = 'Microshop is up';

/** A supervisor process started by a test, with everything it printed. */
export interface SupervisorRun {
  pid: number;
  /** stdout and stderr so far, interleaved in the order they arrived. */
  output(): string;
  /** Resolves with the exit code (`null` when a signal ended it) once the supervisor has exited. */
  exited: Promise<number | null>;
  /** True until the supervisor has exited. */
  running(): boolean;
  child: ChildProcess;
}

const started = new Set<ChildProcess>();
// A test run that ends abruptly must not leave a supervisor behind holding the spec's ports; its
// children notice their supervisor is gone and stop by themselves.
process.once('exit', () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * The test runner's environment without what would point the system elsewhere (PostgreSQL, log
 * level), and with the gateway's per-client rate limit off: every request of the suite comes from
 * one address (127.0.0.1), hundreds a second.
 */
function baseEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', LOG_LEVEL: 'info', RATE_LIMIT_RPS: '0' };
  for (const key of Object.keys(env)) if (key === 'DATABASE_URL' || key.endsWith('_DATABASE_URL')) delete env[key];
  return env;
}

/**
 * Spawns the supervisor as `npm start` does (`node tools/supervisor/dist/main.js ...args`), with
 * colour off, log level info and SQLite files, and captures its output. Does not wait for anything.
 */
export function runSupervisor(args: readonly string[], env: NodeJS.ProcessEnv = {}): SupervisorRun {
  const child = spawn(process.execPath, [SUPERVISOR, ...args], {
    cwd: ROOT_DIR,
    env: { ...baseEnvironment(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`Could not start ${SUPERVISOR}`);
  started.add(child);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      started.delete(child);
      resolve(code);
    });
  });
  return { pid: child.pid, output: () => output, exited, running: () => started.has(child), child };
}

/** A running system, started by {@link startSystem}. */
export interface System {
  /** The supervisor's pid. */
  pid: number;
  /** The fresh directory holding this run's SQLite files. */
  databaseDir: string;
  /** Everything the supervisor printed so far. */
  output(): string;
  /** Sends SIGINT (Ctrl-C), waits for the supervisor to exit, and returns its exit code. */
  stop(): Promise<number | null>;
  /** `http://127.0.0.1:<port>` of a process (its replica 1, on the spec port). */
  baseUrl(service: ServiceName): string;
  /** Resolves with the exit code once the supervisor exits, however it ends. */
  exited: Promise<number | null>;
}

/** How to start the system. */
export interface StartOptions {
  /** Start only these processes (`--only`). */
  only?: readonly ServiceName[];
  /** Instances per backend (`--replicas`): replica 1 keeps the spec port, the others get free ports. */
  replicas?: Partial<Record<BackendName, number>>;
  /** More command-line arguments for the supervisor. */
  args?: readonly string[];
  /** More environment variables for the supervisor. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the ready line. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the real system exactly as `npm start` does, with a fresh temporary database directory,
 * and resolves once the supervisor prints its ready line. Fails with the captured output when the
 * supervisor exits first or is not ready within the timeout (60 s); nothing is left running then.
 *
 * @example
 * const system = await startSystem({ only: ['user-service'] })
 * await fetch(`${system.baseUrl('user-service')}/health`)
 * expect(await system.stop()).toBe(0)
 */
export async function startSystem({ only, replicas, args = [], env = {}, timeoutMs = 60_000 }: StartOptions = {}): Promise<System> {
  const databaseDir = mkdtempSync(path.join(tmpdir(), 'microshop-e2e-'));
  const scaled = Object.entries(replicas ?? {}).map(([name, count]) => `${name}=${count}`);
  // The suite's topology: the monolith when asked for (MICROSHOP_TOPOLOGY), unless processes are picked or scaled.
  const topology = onMonolith && !only && scaled.length === 0 && !args.includes('--monolith') ? ['--monolith'] : [];
  const run = runSupervisor(['--database-dir', databaseDir, ...(only ? ['--only', only.join(',')] : []), ...(scaled.length > 0 ? ['--replicas', scaled.join(',')] : []), ...topology, ...args], env);
  // The ready line as printed (pretty), or the ready record (`--log-format json`).
  const isReady = () => run.output().split('\n').some((line) => line.trim() === READY_LINE || line.includes(`"msg":"${READY_LINE}"`));

  const deadline = Date.now() + timeoutMs;
  while (!isReady()) {
    if (!run.running()) {
      const code = await run.exited;
      rmSync(databaseDir, { recursive: true, force: true });
      throw new Error(`The supervisor exited with code ${code} before "${READY_LINE}". Its output:\n${run.output()}`);
    }
    if (Date.now() > deadline) {
      await interrupt(run);
      rmSync(databaseDir, { recursive: true, force: true });
      throw new Error(`No "${READY_LINE}" within ${timeoutMs / 1000} s. The supervisor's output:\n${run.output()}`);
    }
    await sleep(50);
  }

  let stopping: Promise<number | null> | undefined;
  return {
    pid: run.pid,
    databaseDir,
    output: run.output,
    exited: run.exited,
    baseUrl: (service) => `http://127.0.0.1:${SERVICES[service].port}`,
    stop() {
      stopping ??= interrupt(run).finally(() => rmSync(databaseDir, { recursive: true, force: true }));
      return stopping;
    },
  };
}

/** Sends SIGINT and waits for the exit (SIGKILL after 20 s, which the caller then sees as `null`). */
async function interrupt(run: SupervisorRun): Promise<number | null> {
  if (run.running()) run.child.kill('SIGINT');
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 20_000);
  try {
    return await run.exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Calls `check` until it returns something other than `undefined`, `null` or `false` (or stops
 * throwing), and returns that. Fails after `timeoutMs` with the last error.
 *
 * @example
 * const pid = await waitFor(async () => (await pidsOf(system, ['order-service']))['order-service'], 10_000)
 */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, intervalMs = 100): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`Condition not met within ${timeoutMs} ms${reason}`);
    }
    await sleep(intervalMs);
  }
}

/** The pid each process reports on its `GET /health`. Throws when one does not answer 200. */
export async function pidsOf(system: Pick<System, 'baseUrl'>, services: readonly ServiceName[] = ALL_SERVICES): Promise<Record<ServiceName, number>> {
  const entries = await Promise.all(
    services.map(async (service) => {
      const response = await fetch(`${system.baseUrl(service)}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.status !== 200) throw new Error(`${service} /health answered ${response.status}`);
      const { pid } = (await response.json()) as { pid: unknown };
      if (typeof pid !== 'number') throw new Error(`${service} /health reports no pid`);
      return [service, pid] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<ServiceName, number>;
}

/**
 * True while a process with this pid runs: `kill(pid, 0)` does not fail with ESRCH, and on Linux
 * it is not a zombie (a process that exited but whose parent has not collected it yet).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** True when nothing listens on `127.0.0.1:port`. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Polls `check` until it returns something truthy (errors count as not yet), and returns it; throws
 * naming `what` after `timeoutMs`.
 *
 * @example
 * const passing = await until('order-service-2 passing', async () => (await registryView()).passing, 5000)
 */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
