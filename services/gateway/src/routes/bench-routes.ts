import { readFile } from 'node:fs/promises';
import { AppError, matchesContract, type App } from '@microshop/chassis';
import { TopologyComparison } from '@microshop/contracts';

/** The command that writes the file this route serves. */
export const TOPOLOGIES_COMMAND = 'npm run bench -- --compare-topologies';

/** Where `npm run bench -- --compare-topologies` writes its report, from the repository root. */
export const TOPOLOGIES_FILE = 'docs/bench/topologies.json';

export interface BenchRouteOptions {
  /** The report file to serve (absolute). */
  topologiesFile: string;
}

/**
 * `GET /api/bench/topologies`: the latest comparison of the two topologies (microservices and the
 * modular monolith), as the benchmark wrote it. Read from disk on every request, so a new run shows
 * without a restart. Absent: a 404 problem naming the command that makes it; present but not a
 * comparison (damaged, or from an older benchmark): a 500 problem saying to run it again. A
 * monitoring route: the web UI's Compare page reads it, and that is not the system's traffic.
 */
export function registerBenchRoutes(app: App, { topologiesFile }: BenchRouteOptions): void {
  app.get(
    '/api/bench/topologies',
    {
      config: { monitoring: true },
      schema: {
        tags: ['observability'],
        summary: 'The latest benchmark of the microservices against the modular monolith: the same flows at the same loads (`npm run bench -- --compare-topologies`)',
        response: { 200: TopologyComparison, 404: { $ref: 'Problem#' }, 500: { $ref: 'Problem#' } },
      },
    },
    async () => {
      let text: string;
      try {
        text = await readFile(topologiesFile, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        throw new AppError({
          status: 404,
          code: 'no-benchmark',
          title: 'No topology comparison yet',
          detail: `No topology comparison has been run on this machine: run \`${TOPOLOGIES_COMMAND}\` at the repository root (it writes ${TOPOLOGIES_FILE}).`,
        });
      }
      let report: unknown;
      try {
        report = JSON.parse(text) as unknown;
      } catch {
        report = undefined;
      }
      if (!matchesContract<TopologyComparison>(TopologyComparison, report)) {
        throw new AppError({
          status: 500,
          code: 'unreadable-benchmark',
          title: 'Unreadable topology comparison',
          detail: `${TOPOLOGIES_FILE} is not a topology comparison this gateway can read: run \`${TOPOLOGIES_COMMAND}\` again.`,
        });
      }
      return report;
    },
  );
}
