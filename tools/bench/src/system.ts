import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN_HEADER, DEFAULT_SUPERVISOR_CONTROL_PORT, SERVICES, type ServiceName, type SupervisedInstance } from '@microshop/contracts';

/** The repository root. */
export const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A system started for one measurement: the supervisor and its children, on the spec's ports. */
export interface BenchSystem {
  /** Base URL of a process, e.g. `http://127.0.0.1:5000` for the gateway. */
  url(name: ServiceName): string;
  /** The admin credential the system's gateway accepts (ADMIN_TOKEN, or `.microshop/admin-token`). */
  adminToken(): string;
  /** The pids of every process, read from their `/health`. */
  pids(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra environment for every process (e.g. `OTEL_SDK_DISABLED=true`). */
  env: Record<string, string>;
  /** Extra supervisor arguments (e.g. `--replicas order-service=2`). */
  args?: readonly string[];
  /** Pin the system's processes to these CPUs (`taskset -c`), leaving the others to the load generator. */
  cpus?: string | undefined;
}

/**
 * Starts the whole system exactly as `npm start` does, on fresh SQLite files, and resolves once the
 * supervisor reports every process healthy.
 */
export async function startSystem({ env, args: extra = [], cpus }: StartOptions): Promise<BenchSystem> {
  const databaseDir = mkdtempSync(path.join(tmpdir(), 'microshop-bench-'));
  const supervisor = path.join(ROOT_DIR, 'tools/supervisor/dist/main.js');
  const args = [supervisor, '--database-dir', databaseDir, '--log-format', 'json', ...extra];
  const pinned = cpus !== undefined && existsSync('/usr/bin/taskset');
  const child: ChildProcess = spawn(pinned ? '/usr/bin/taskset' : process.execPath, pinned ? ['-c', cpus, process.execPath, ...args] : args, {
    cwd: ROOT_DIR,
    env: { ...process.env, LOG_LEVEL: 'warn', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const deadline = Date.now() + 60_000;
  while (!output.includes('Microshop is up')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGINT');
      throw new Error(`The system did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const url = (name: ServiceName) => `http://127.0.0.1:${SERVICES[name].port}`;
  const adminToken = () => process.env.ADMIN_TOKEN || readFileSync(path.join(ROOT_DIR, '.microshop/admin-token'), 'utf8').trim();
  return {
    url,
    adminToken,
    async pids() {
      // Every instance, replicas included, as the supervisor's control endpoint lists them.
      const control = `http://127.0.0.1:${process.env.SUPERVISOR_CONTROL_PORT || DEFAULT_SUPERVISOR_CONTROL_PORT}/processes`;
      const instances = (await (await fetch(control, { headers: { [ADMIN_TOKEN_HEADER]: adminToken() } })).json()) as SupervisedInstance[];
      return Object.fromEntries(instances.filter((i) => i.pid !== null).map((i) => [i.instance_id, i.pid as number]));
    },
    async stop() {
      child.kill('SIGINT');
      await exited;
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
