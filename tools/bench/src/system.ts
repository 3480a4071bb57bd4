import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus as osCpus, tmpdir } from 'node:os';
import { connect } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN_HEADER, DEFAULT_SUPERVISOR_CONTROL_PORT, SERVICES, type ServiceName, type SupervisedInstance } from '@microshop/contracts';

const TASKSET = '/usr/bin/taskset';

/** The repository root. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A system started for one measurement: the supervisor and its children, on the spec's ports. */
export interface BenchSystem {
  /** Base URL of a process, e.g. `http://127.0.0.1:5000` for the gateway. */
  url(name: ServiceName): string;
  /** The admin credential the system's gateway accepts (ADMIN_TOKEN, or `.microshop/admin-token`). */
  adminToken(): string;
  /** The pids of every process, by instance id, as the supervisor lists them. */
  pids(): Promise<Record<string, number>>;
  /** From spawning the supervisor to its "Microshop is up": every process healthy and registered. */
  startupMs: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment for every process (e.g. `OTEL_SDK_DISABLED=true`). */
  env: Record<string, string>;
  /** Extra supervisor arguments (e.g. `--replicas order-service=2`). */
  args?: readonly string[];
  /** Pin the system's processes to these CPUs (`taskset -a -cp`, once they are up), leaving the others to the load generator. */
  cpus?: string | undefined;
  /**
   * Pin the supervisor to these CPUs, beside the load generator: it relays every log line the
   * processes write, the work a log collector does outside the system in a deployment. Default: `cpus`.
   */
  supervisorCpus?: string | undefined;
}

/** How much of the supervisor's output is kept once the system is up: enough to explain a failure, bounded however much the processes log. */
const OUTPUT_TAIL = 64 * 1024;

/**
 * Starts the whole system exactly as `npm start` does, on fresh SQLite files, and resolves once the
 * supervisor reports every process healthy.
 */
export async function startSystem({ env, args: extra = [], cpus, supervisorCpus = cpus }: StartOptions): Promise<BenchSystem> {
  const databaseDir = mkdtempSync(path.join(tmpdir(), 'microshop-bench-'));
  const supervisor = path.join(ROOT_DIR, 'tools/supervisor/dist/main.js');
  const args = [supervisor, '--database-dir', databaseDir, '--log-format', 'json', ...extra];
  const pinned = cpus !== undefined && existsSync(TASKSET);
  // Started on every CPU (not the load generator's one this process is pinned to), pinned once up
  // (below): seven processes starting on one busy core can miss the supervisor's start-up budget,
  // and only the measurement needs the pinning.
  const everyCpu = `0-${Math.max(0, osCpus().length - 1)}`;
  const spawnedAt = performance.now();
  const child: ChildProcess = spawn(pinned ? TASKSET : process.execPath, pinned ? ['-c', everyCpu, process.execPath, ...args] : args, {
    cwd: ROOT_DIR,
    // The gateway's per-client rate limit off: the load comes from one address, at rates far over it.
    env: { ...process.env, LOG_LEVEL: 'warn', NO_COLOR: '1', RATE_LIMIT_RPS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: string) => {
    output += chunk;
    if (output.length > 2 * OUTPUT_TAIL) output = output.slice(-OUTPUT_TAIL);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const deadline = Date.now() + 60_000;
  while (!output.includes('Microshop is up')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGINT');
      throw new Error(`The system did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const startupMs = performance.now() - spawnedAt;

  const url = (name: ServiceName) => `http://127.0.0.1:${SERVICES[name].port}`;
  const adminToken = () => process.env.ADMIN_TOKEN || readFileSync(path.join(ROOT_DIR, '.microshop/admin-token'), 'utf8').trim();
  const pids = async () => {
    // Every instance, replicas included, as the supervisor's control endpoint lists them.
    const control = `http://127.0.0.1:${process.env.SUPERVISOR_CONTROL_PORT || DEFAULT_SUPERVISOR_CONTROL_PORT}/processes`;
    const instances = (await (await fetch(control, { headers: { [ADMIN_TOKEN_HEADER]: adminToken() } })).json()) as SupervisedInstance[];
    return Object.fromEntries(instances.filter((i) => i.pid !== null).map((i) => [i.instance_id, i.pid as number]));
  };
  const stop = async () => {
    child.kill('SIGINT');
    await exited;
    rmSync(databaseDir, { recursive: true, force: true });
  };
  if (pinned && cpus !== undefined) {
    try {
      // Every thread of each process; a process the supervisor restarts inherits the supervisor's CPUs.
      for (const pid of Object.values(await pids())) execFileSync(TASKSET, ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
      if (child.pid !== undefined) execFileSync(TASKSET, ['-a', '-cp', supervisorCpus ?? cpus, String(child.pid)], { stdio: 'ignore' });
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { url, adminToken, pids, startupMs, stop };
}

/**
 * Starts a system, and once more if the first start fails: on a busy machine a process can miss its
 * health deadline, and one lost start should not lose a run of many minutes. A second failure throws.
 */
export async function startWithRetry<T>(
  start: () => Promise<T>,
  onRetry: (error: unknown) => void,
  // The failed supervisor stops what it started: wait for the spec's ports to be let go.
  settle: () => Promise<void> = () => untilPortsFree(Object.values(SERVICES).map((s) => s.port), 20_000),
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    onRetry(error);
    await settle();
    return start();
  }
}

/** Resolves once nothing listens on any of the ports on loopback, or when `timeoutMs` has passed. */
async function untilPortsFree(ports: readonly number[], timeoutMs: number): Promise<void> {
  const listening = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await Promise.all(ports.map(listening))).some(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
