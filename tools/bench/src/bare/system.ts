import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus as osCpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BareRole } from './servers.js';
import type { TracingParts } from './tracing.js';

const TASKSET = '/usr/bin/taskset';

/** The compiled entry point of every bare process (`npm run build`); the same from src/ and dist/. */
const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/bare/main.js');
/** The preload that traces a bare process with OpenTelemetry's SDK (bare/tracing.ts). */
const TRACING = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/bare/tracing.js');

/** How long the processes have to answer `/health`, and then to exit once asked to stop. */
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

export type BareKind = 'bare-chain' | 'bare-inprocess';
export type BareProcessName = 'gateway' | 'user-service' | 'product-service' | 'order-service';

/** A bare reference system started for one measurement. */
export interface BareSystem {
  /** Base URL of a process; in the in-process system, every name is the one process. */
  url(name: BareProcessName): string;
  /** The pid of every live process, by name. */
  pids(): Promise<Record<string, number>>;
  stop(): Promise<void>;
  /** From the first spawn to every process answering `/health`. */
  startupMs: number;
}

export interface BareStartOptions {
  /** Pin the system's processes to these CPUs (`taskset -a -cp`, once they are up). */
  cpus?: string | undefined;
  /** The first port: the chain takes it and the next three (gateway, user, product, order). Default 5000. */
  basePort?: number | undefined;
  /**
   * Trace every request with OpenTelemetry's SDK, exporting to the gateway's `/v1/traces`
   * (bare/tracing.ts); `true` is `exported`, the other parts take it apart.
   */
  tracing?: boolean | TracingParts | undefined;
  /** Log every request with fastify's logger at this level, to a pipe the bench drains; default: no logger. */
  logLevel?: string | undefined;
}

interface Planned {
  name: string;
  role: BareRole;
  port: number;
}

interface Started extends Planned {
  child: ChildProcess;
  closed: Promise<void>;
  stderr(): string;
}

function planOf(kind: BareKind, basePort: number): Planned[] {
  if (kind === 'bare-inprocess') return [{ name: kind, role: 'inprocess', port: basePort }];
  return (['gateway', 'user-service', 'product-service', 'order-service'] as const).map((role, i) => ({ name: role, role, port: basePort + i }));
}

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

async function answersHealth(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).ok;
  } catch {
    return false;
  }
}

/** Whether something already listens on the port on loopback: its `/health` would pass for ours. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Asks a process to stop, and kills it if it has not within {@link STOP_GRACE_MS}. */
async function stopProcess({ child, closed }: Started): Promise<void> {
  const timer = isRunning(child) && child.kill('SIGTERM') ? setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS) : undefined;
  await closed;
  clearTimeout(timer);
}

/**
 * Starts a bare reference system, `bare-chain` (gateway → order → user ∥ product, four processes) or
 * `bare-inprocess` (the same routes in one process), on fresh SQLite files, and resolves once every
 * process answers `/health`. A port already in use, or a process that dies meanwhile (with its stderr),
 * rejects the start.
 */
export async function startBareSystem(kind: BareKind, { cpus, basePort = 5000, tracing = false, logLevel }: BareStartOptions = {}): Promise<BareSystem> {
  const plan = planOf(kind, basePort);
  const taken = (await Promise.all(plan.map(async ({ port }) => ((await listening(port)) ? [port] : [])))).flat();
  if (taken.length > 0) throw new Error(`${kind}: port ${taken.join(', ')} is already in use`);
  const databaseDir = mkdtempSync(path.join(tmpdir(), 'microshop-bare-'));
  const urlOf = (port: number) => `http://127.0.0.1:${port}`;
  const portOf = (role: BareRole) => plan.find((p) => p.role === role)?.port ?? basePort;
  const env = {
    ...process.env,
    BARE_DATABASE_PATH: databaseDir,
    BARE_USER_URL: urlOf(portOf('user-service')),
    BARE_PRODUCT_URL: urlOf(portOf('product-service')),
    BARE_ORDER_URL: urlOf(portOf('order-service')),
    BARE_TRACES_URL: `${urlOf(portOf('gateway'))}/v1/traces`,
    BARE_TRACING: tracing === true || tracing === false ? 'exported' : tracing,
    ...(logLevel === undefined ? {} : { BARE_LOG_LEVEL: logLevel }),
  };
  const pinned = cpus !== undefined && existsSync(TASKSET);
  // Started on every CPU (not the load generator's one this process may be pinned to), pinned once up.
  const everyCpu = `0-${Math.max(0, osCpus().length - 1)}`;

  const spawnedAt = performance.now();
  const processes: Started[] = plan.map((planned) => {
    const args = [...(tracing === false ? [] : ['--import', TRACING]), ENTRY, planned.role];
    const child = spawn(pinned ? TASKSET : process.execPath, pinned ? ['-c', everyCpu, process.execPath, ...args] : args, {
      env: { ...env, BARE_PORT: String(planned.port) },
      // The request log goes to a pipe, as a supervised service's does, and is read and dropped.
      stdio: ['ignore', logLevel === undefined ? 'ignore' : 'pipe', 'pipe'],
    });
    child.stdout?.resume();
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    return { ...planned, child, closed, stderr: () => stderr };
  });
  const stop = async () => {
    await Promise.all(processes.map(stopProcess));
    rmSync(databaseDir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let waiting = processes;
    while (waiting.length > 0) {
      const dead = processes.find((p) => !isRunning(p.child));
      if (dead !== undefined) {
        await dead.closed;
        throw new Error(`${kind}: ${dead.name} exited during start (${dead.child.exitCode ?? dead.child.signalCode}):\n${dead.stderr()}`);
      }
      if (Date.now() > deadline) throw new Error(`${kind}: ${waiting.map((p) => p.name).join(', ')} did not answer /health within ${START_TIMEOUT_MS} ms`);
      const healthy = await Promise.all(waiting.map((p) => answersHealth(urlOf(p.port))));
      waiting = waiting.filter((_, i) => !healthy[i]);
      if (waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const startupMs = performance.now() - spawnedAt;
    if (pinned && cpus !== undefined) {
      for (const { child } of processes) execFileSync(TASKSET, ['-a', '-cp', cpus, String(child.pid)], { stdio: 'ignore' });
    }
    return {
      url: (name) => urlOf(kind === 'bare-inprocess' ? basePort : portOf(name)),
      pids: async () => Object.fromEntries(processes.filter((p) => isRunning(p.child) && p.child.pid !== undefined).map((p) => [p.name, p.child.pid as number])),
      stop,
      startupMs,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
