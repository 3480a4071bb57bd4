import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseBenchArgs, USAGE } from './args.js';
import { formatTable, saveReport } from './report.js';
import { runBench } from './run.js';
import { runSuite } from './suite.js';
import { formatSuite, saveSuiteReport } from './suite-report.js';
import { ROOT_DIR } from './system.js';
import { runTopologies } from './topologies.js';
import { formatTopologyTable, saveTopologyReport } from './topology-report.js';

const parsed = (() => {
  try {
    return parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
})();
if (parsed === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}

// The load generator keeps CPU 0; the system under test gets CPU 1 (see run.ts). Decided before this
// process pins itself, which would make it see a single CPU.
const pinned = parsed.pin && availableParallelism() >= 2 && existsSync('/usr/bin/taskset');
if (pinned) execFileSync('/usr/bin/taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });

const tty = process.stdout.isTTY;
const say = (line: string) => {
  if (tty) process.stdout.write(`\r\x1b[2K${line}`);
  else process.stdout.write(`${line}\n`);
};

if (parsed.suite) {
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
  const report = await runSuite(parsed, say, pinned, command);
  if (tty) process.stdout.write('\n');
  process.stdout.write(`\nPerformance suite (ratios: subject / baseline)\n\n${formatSuite(report)}\n\n`);
  const files = saveSuiteReport(report, path.resolve(ROOT_DIR, parsed.outDir));
  process.stdout.write(`Saved ${files.map((f) => path.relative(ROOT_DIR, f)).join(' and ')}\n`);
} else if (parsed.topologies) {
  // The command as typed, so the report (and the page that shows it) says how to make it again.
  const command = ['npm run bench --', ...process.argv.slice(2)].join(' ');
  const report = await runTopologies(parsed, say, pinned, command);
  if (tty) process.stdout.write('\n');
  process.stdout.write(`\nMicroservices vs modular monolith (ratios: monolith / microservices)\n\n${formatTopologyTable(report)}\n\n`);
  const files = saveTopologyReport(report, path.resolve(ROOT_DIR, parsed.outDir));
  process.stdout.write(`Saved ${files.map((f) => path.relative(ROOT_DIR, f)).join(' and ')}\n`);
} else {
  const report = await runBench(parsed, say, pinned);
  if (tty) process.stdout.write('\n');
  process.stdout.write(`\n${report.scenario}: ${report.description}\n\n${formatTable(report)}\n\n`);
  const files = saveReport(report, path.resolve(ROOT_DIR, parsed.outDir));
  process.stdout.write(`Saved ${files.map((f) => path.relative(ROOT_DIR, f)).join(' and ')}\n`);
}
