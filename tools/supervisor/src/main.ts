import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, USAGE } from './args.js';
import { createReporter, createTerminal, SUPERVISOR_NAME, type OutputOptions } from './output.js';
import { MONOLITH, missingEntries, planMonolith, planSystem, replicaPlanner, usesSqlite, type PlanContext } from './plan.js';
import { findTakenPort, portTakenMessage, replicaPortsFor } from './ports.js';
import { summaryLines, summaryRecord } from './summary.js';
import { ADMIN_TOKEN_FILE, resolveAdminToken } from './admin-token.js';
import { startControlServer, type ControlServer } from './control-server.js';
import { DEFAULT_SUPERVISOR_CONTROL_PORT, MAX_REPLICAS, SCALABLE } from '@microshop/contracts';
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

  const controlPort = Number(process.env.SUPERVISOR_CONTROL_PORT || DEFAULT_SUPERVISOR_CONTROL_PORT);
  if (!Number.isInteger(controlPort) || controlPort < 0 || controlPort > 65_535) fail(2, 'SUPERVISOR_CONTROL_PORT must be a port number (0 for any free one).');
  const context: PlanContext = {
    rootDir: ROOT_DIR,
    env: process.env,
    nodePath: process.execPath,
    guardFile: new URL('./child-guard.js', import.meta.url).href,
    // Resolved from the children's working directory, the repository root.
    telemetryModule: '@microshop/chassis/telemetry/register',
    logLevel: process.env.LOG_LEVEL || 'info',
  };
  // Replica 1 of each service keeps its spec port; the extra replicas get free ones.
  const monolith = options.topology === 'monolith';
  const planned = monolith ? planMonolith(options, context) : planSystem(options, { ...context, replicaPorts: await replicaPortsFor(options.replicas) });

  const taken = await findTakenPort(planned);
  if (taken) fail(1, portTakenMessage(taken));

  const adminToken = resolveAdminToken(ROOT_DIR, process.env.ADMIN_TOKEN || undefined);
  let control: ControlServer | undefined;
  try {
    // Loopback only: kill, pause, resume, restart, scaling and rollouts for the gateway's admin API.
    control = await startControlServer({
      supervisor: {
        processes: () => supervisor.processes(),
        control: (...args) => supervisor.control(...args),
        scale: (...args) => supervisor.scale(...args),
        rollout: (service) => supervisor.rollout(service),
      },
      adminToken,
      port: controlPort,
    });
  } catch (error) {
    process.stderr.write(`The control endpoint cannot listen on 127.0.0.1:${controlPort} (${error instanceof Error ? error.message : String(error)}): process controls are off.\n`);
  }
  const controlUrl = control ? `http://127.0.0.1:${control.port}` : undefined;
  // The gateway (alone, or inside the monolith) reaches process controls here.
  const front = monolith ? MONOLITH.name : 'gateway';
  const plans = planned.map((plan) => (plan.name === front && controlUrl ? { ...plan, env: { ...plan.env, SUPERVISOR_URL: controlUrl } } : plan));

  let shuttingDown = false;
  const colour = options.logFormat === 'pretty' && colourEnabled(process.stdout.isTTY === true, process.env);
  const output: OutputOptions = {
    format: options.logFormat,
    colour,
    // Room for the longest label a replica added at run time can have (`payment-service-6`).
    nameWidth: Math.max(SUPERVISOR_NAME.length, ...plans.map((p) => p.name.length + (SCALABLE.some((s) => s === p.name) ? `-${MAX_REPLICAS}`.length : 0))),
    sink: createTerminal({
      stdout: process.stdout,
      stderr: process.stderr,
      onClosed: (stream) => void shutdown(`the supervisor's ${stream} closed`, true),
    }),
  };
  const reporter = createReporter(output, process.pid);
  // A monolith has no service process to add: scaling and rollouts are refused (no such service here).
  const scaling = { services: monolith ? [] : SCALABLE.filter((s) => options.only.includes(s)), maxReplicas: MAX_REPLICAS, plan: replicaPlanner(options, context) };
  const supervisor = createSupervisor({ plans, scaling, cwd: ROOT_DIR, output, reporter });

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
    await control?.close();
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
    const tokenHint = process.env.ADMIN_TOKEN ? 'the ADMIN_TOKEN you set' : `cat ${ADMIN_TOKEN_FILE}`;
    const said = { adminToken: tokenHint, replicas: options.replicas, gateway: front };
    reporter.block(summaryLines(running, { colour, ...said }), summaryRecord(running, said));
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
    await control?.close();
    reporter.error('Microshop did not start; every process it started has stopped.');
    process.exit(1);
  }
}

await main();
