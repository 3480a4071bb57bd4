import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fromRoot } from '@microshop/chassis';

/** A service running as its own OS process, the way the supervisor runs it. */
export interface ServiceProcess {
  name: string;
  url: string;
  pid: number;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGKILL: the process dies at once, mid-request if need be. */
  kill(): Promise<void>;
  /** SIGTERM, then wait for it to exit. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `services/<name>/dist/main.js` (built by `npm run build`) as a child process with the given
 * environment, and resolves once its `/health` answers 200 with the child's own pid. `nodeArgs` go before the entry file,
 * e.g. the telemetry preload.
 *
 * @example
 * const users = await startServiceProcess('user-service', { PORT: '6101', DATABASE_FILE: file })
 * const traced = await startServiceProcess('user-service', env, 20_000, ['--import', '@microshop/chassis/telemetry/register'])
 */
export async function startServiceProcess(name: string, env: Record<string, string>, timeoutMs = 20_000, nodeArgs: readonly string[] = []): Promise<ServiceProcess> {
  const port = env.PORT;
  if (!port) throw new Error('startServiceProcess needs env.PORT');
  const child = spawn(process.execPath, [...nodeArgs, path.join(fromRoot('services'), name, 'dist/main.js')], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} during start-up:\n${log}`);
    try {
      const answer = await fetch(`${url}/health`);
      // Only this child's own answer counts: another process that took the port in the meantime
      // (the port was free a moment ago, nothing more) must not pass for it.
      if (answer.status === 200 && ((await answer.json()) as { pid?: unknown }).pid === child.pid) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not become healthy within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    name,
    url,
    pid: child.pid ?? -1,
    output: () => log,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
