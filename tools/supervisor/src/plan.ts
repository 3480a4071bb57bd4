import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Options } from './args.js';
import type { ProcessPlan } from './supervisor.js';
import { SYSTEM, childEnvironment, dataLocationOf, environmentOf, internalUrl, type SystemProcess } from './topology.js';

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
  /** Module every child loads next (`--import`), before its own code: tracing (see docs/adr/0008). */
  telemetryModule: string;
  logLevel: string;
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

/**
 * Turns the declared {@link SYSTEM} and the command line into concrete process plans: the
 * selected processes, each run as `node --import <guard> --import <telemetry> services/<name>/dist/main.js`.
 */
export function planSystem(options: Options, { rootDir, env, nodePath, guardFile, telemetryModule, logLevel }: PlanContext): ProcessPlan[] {
  return SYSTEM.filter((proc) => options.only.includes(proc.name)).map((proc) => ({
    name: proc.name,
    command: nodePath,
    args: ['--import', guardFile, '--import', telemetryModule, path.join(rootDir, proc.entry)],
    env: childEnvironment(env, environmentOf(proc, { databaseDir: options.databaseDir, env, logLevel })),
    port: proc.port,
    baseUrl: internalUrl(proc.name),
    stage: proc.stage,
    database: describeDatabase(proc, options.databaseDir, env),
  }));
}

/** The entry files of `only` that have not been built yet, relative to the root. */
export function missingEntries(options: Pick<Options, 'only'>, rootDir: string): string[] {
  return SYSTEM.filter((proc) => options.only.includes(proc.name) && !existsSync(path.join(rootDir, proc.entry))).map((proc) => proc.entry);
}
