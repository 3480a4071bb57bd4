import { readFile } from 'node:fs/promises';
import { AppError, matchesContract, type App } from '@microshop/chassis';
import { BenchSuite, TopologyComparison } from '@microshop/contracts';
import type { TSchema } from 'typebox';

/** The command that writes the topology comparison. */
export const TOPOLOGIES_COMMAND = 'npm run bench -- --compare-topologies';

/** Where `npm run bench -- --compare-topologies` writes its report, from the repository root. */
export const TOPOLOGIES_FILE = 'docs/bench/topologies.json';

/** The command that runs the performance suite. */
export const SUITE_COMMAND = 'npm run bench';

/** Where `npm run bench` writes the performance suite's report, from the repository root. */
export const SUITE_FILE = 'docs/bench/suite.json';

export interface BenchRouteOptions {
  /** The topology comparison to serve (absolute). */
  topologiesFile: string;
  /** The performance suite's report to serve (absolute). */
  suiteFile: string;
}

/** One report the benchmark writes and a route serves as it is on disk. */
interface BenchReport {
  url: string;
  /** The report file to read (absolute). */
  file: string;
  /** What the report is, in the problems: "No topology comparison yet". */
  noun: string;
  /** The command that writes it, and where it writes it from the repository root, in the problems. */
  command: string;
  writes: string;
  contract: TSchema;
  summary: string;
}

/**
 * Serves one benchmark report: read from disk on every request, so a new run shows without a
 * restart. Absent: a 404 problem naming the command that makes it; present but not matching its
 * contract (damaged, or from an older benchmark): a 500 problem saying to run it again. A
 * monitoring route: the web UI's Compare page reads it, and that is not the system's traffic.
 */
function serveReport(app: App, { url, file, noun, command, writes, contract, summary }: BenchReport): void {
  app.get(
    url,
    {
      config: { monitoring: true },
      schema: { tags: ['observability'], summary, response: { 200: contract, 404: { $ref: 'Problem#' }, 500: { $ref: 'Problem#' } } },
    },
    async () => {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        throw new AppError({
          status: 404,
          code: 'no-benchmark',
          title: `No ${noun} yet`,
          detail: `No ${noun} on this machine yet: run \`${command}\` at the repository root (it writes ${writes}).`,
        });
      }
      let report: unknown;
      try {
        report = JSON.parse(text) as unknown;
      } catch {
        report = undefined;
      }
      if (!matchesContract(contract, report)) {
        throw new AppError({
          status: 500,
          code: 'unreadable-benchmark',
          title: `Unreadable ${noun}`,
          detail: `${writes} is not a ${noun} this gateway can read: run \`${command}\` again.`,
        });
      }
      return report;
    },
  );
}

/**
 * The benchmark's reports, as it wrote them: `GET /api/bench/topologies`, the latest comparison of
 * the two topologies (microservices and the modular monolith), and `GET /api/bench/suite`, the
 * latest run of the performance suite (every scenario on every system, the pairings, the goals).
 */
export function registerBenchRoutes(app: App, { topologiesFile, suiteFile }: BenchRouteOptions): void {
  serveReport(app, {
    url: '/api/bench/topologies',
    file: topologiesFile,
    noun: 'topology comparison',
    command: TOPOLOGIES_COMMAND,
    writes: TOPOLOGIES_FILE,
    contract: TopologyComparison,
    summary: 'The latest benchmark of the microservices against the modular monolith: the same flows at the same loads (`npm run bench -- --compare-topologies`)',
  });
  serveReport(app, {
    url: '/api/bench/suite',
    file: suiteFile,
    noun: 'performance suite run',
    command: SUITE_COMMAND,
    writes: SUITE_FILE,
    contract: BenchSuite,
    summary: 'The latest run of the performance suite (`npm run bench`): every scenario on every system, the pairings, open-loop latency, memory, start-up, and the goals checked',
  });
}
