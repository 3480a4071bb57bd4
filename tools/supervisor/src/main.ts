import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './args.js';
import { createReporter, createTerminal, SUPERVISOR_NAME, type OutputOptions } from './output.js';
import { missingEntries, planSystem, usesSqlite } from './plan.js';
import { findTakenPort, portTakenMessage } from './ports.js';
import { summaryLines, summaryRecord } from './summary.js';
import { colourEnabled } from './style.js';
import { createSupervisor, StartCancelled, StartupError } from './supervisor.js';

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A message for the person at the terminal, before any process runs; then the exit. */
function fail(code: number, message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  // npm runs scripts from the repository root; INIT_CWD is where the person typed the command.
  const cwd = process.env.INIT_CWD || process.cwd();
  const parsed = parseArgs(process.argv.slice(2), { cwd, defaultDatabaseDir: path.join(ROOT_DIR, 'database') });
  if (parsed.kind === 'help') {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (parsed.kind === 'error') fail(2, `${parsed.message}\nRun with --help to see the options.`);
  const { options } = parsed;

  const missing = missingEntries(options, ROOT_DIR);
  if (missing.length > 0) {
    fail(1, `Not built yet: ${missing.join(', ')}.\nRun \`npm install\` (which also builds) or \`npm run build\`, then start again.`);
  }

  if (usesSqlite(options, process.env)) {
    try {
      mkdirSync(options.databaseDir, { recursive: true });
    } catch (error) {
      fail(1, `Cannot create the database directory ${options.databaseDir}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const plans = planSystem(options, {
    rootDir: ROOT_DIR,
    env: process.env,
    nodePath: process.execPath,
    guardFile: new URL('./child-guard.js', import.meta.url).href,
    // Resolved from the children's working directory, the repository root.
    telemetryModule: '@microshop/chassis/telemetry/register',
    logLevel: process.env.LOG_LEVEL || 'info',
  });

  const taken = await findTakenPort(plans);
  if (taken) fail(1, portTakenMessage(taken));

  let shuttingDown = false;
  const colour = options.logFormat === 'pretty' && colourEnabled(process.stdout.isTTY === true, process.env);
  const output: OutputOptions = {
    format: options.logFormat,
    colour,
    nameWidth: Math.max(SUPERVISOR_NAME.length, ...plans.map((p) => p.name.length)),
    sink: createTerminal({
      stdout: process.stdout,
      stderr: process.stderr,
      onClosed: (stream) => void shutdown(`the supervisor's ${stream} closed`, true),
    }),
  };
  const reporter = createReporter(output, process.pid);
  const supervisor = createSupervisor({ plans, cwd: ROOT_DIR, output, reporter });

  async function shutdown(reason: string, quiet = false): Promise<void> {
    if (shuttingDown) {
      if (!quiet) {
        reporter.warn(`${reason} again: killing the remaining processes now`);
        supervisor.kill();
      }
      return;
    }
    shuttingDown = true;
    const count = supervisor.running().length;
    reporter.info(`${reason}: stopping ${count} process${count === 1 ? '' : 'es'}`);
    await supervisor.stop();
    reporter.info('Everything stopped.');
    process.exit(0);
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void shutdown(signal));
  }
  process.on('uncaughtException', (error) => {
    reporter.error(`supervisor failed: ${error.stack ?? error.message}`);
    supervisor.kill();
    process.exit(1);
  });

  try {
    const running = await supervisor.start();
    reporter.block(summaryLines(running, { colour }), summaryRecord(running));
  } catch (error) {
    if (error instanceof StartCancelled || shuttingDown) return;
    shuttingDown = true;
    if (error instanceof StartupError) {
      reporter.error(error.message, { process: error.processName });
      if (error.recentLines.length > 0) {
        const title = `Last output of ${error.processName}:`;
        reporter.block(['', title, ...error.recentLines, ''], { level: 50, msg: title, lines: error.recentLines });
      }
    } else {
      reporter.error(`Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    await supervisor.stop();
    reporter.error('Microshop did not start; every process it started has stopped.');
    process.exit(1);
  }
}

await main();
