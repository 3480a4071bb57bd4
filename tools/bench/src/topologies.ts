import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { TopologyComparison, TopologyLoad, TopologyName } from '@microshop/contracts';
import type { BenchArgs } from './args.js';
import { type LoadResult, runLoad, runOpenLoad, warmUpSaying } from './load.js';
import { sampleAll, sampleEach } from './process-usage.js';
import { SCENARIOS } from './scenarios.js';
import { startSystem, startWithRetry } from './system.js';
import { loadLabel, summariseTopology, topologyRatio, type TopologyRun } from './topology-report.js';

/** The flows the topology comparison measures by default: read, write, the saga, and a composed read. */
export const TOPOLOGY_SCENARIOS = ['get-product', 'create-order', 'pay-order', 'list-orders'] as const;

/** One way to run the same codebase. */
export interface Topology {
  name: TopologyName;
  description: string;
  /** The supervisor's arguments that start it. */
  args: readonly string[];
  start: string;
}

/** The two topologies, microservices first: the baseline of every ratio. */
export const TOPOLOGIES: readonly [Topology, Topology] = [
  {
    name: 'microservices',
    description: 'A process per service (gateway, user, product, order, payment), the registry, and the payment provider: calls between services over HTTP on loopback',
    args: [],
    start: 'npm start',
  },
  {
    name: 'monolith',
    description:
      'One process holding the gateway and the four service modules, calls between modules in-process (the same chassis client, no socket), a database each, beside the payment provider (its own process, over HTTP as before)',
    args: ['--monolith'],
    start: 'npm start -- --monolith',
  },
];

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n').find((line) => line.trim() && !line.startsWith('The system did not start')) ?? 'no output';

/** A system is idle when all its processes together spend less than this share of one core… */
const IDLE_SHARE = 0.1;
/** …or no more than this share of a core above its own background (see {@link idleShare}). */
const IDLE_MARGIN = 0.05;

/** The share of one core the processes together spend over the next `windowMs`. */
async function shareOver(pids: readonly number[], windowMs: number): Promise<number> {
  const start = sampleAll(pids).cpuSeconds;
  const startedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  return (sampleAll(pids).cpuSeconds - start) / ((performance.now() - startedAt) / 1000);
}

/**
 * The system's own background with no request at all (heartbeats, health checks, scrapes, relay
 * polls): the least share of one core its processes spend over `windows` windows of `windowMs`.
 * Measured on a freshly started system, it is what {@link settle} waits to get back to.
 */
export async function idleShare(pids: readonly number[], windows = 3, windowMs = 1000): Promise<number> {
  let least = Number.POSITIVE_INFINITY;
  for (let i = 0; i < windows; i++) least = Math.min(least, await shareOver(pids, windowMs));
  return least;
}

/** {@link idleShare} of a freshly started system's processes, said as a progress line. */
export async function readBackground(pids: readonly number[], say: (line: string) => void, where: string): Promise<number> {
  const baseline = await idleShare(pids);
  say(`${where}: idle, the system uses ${(baseline * 100).toFixed(0)} % of a core`);
  return baseline;
}

/**
 * Resolves once the processes together spend less than {@link IDLE_SHARE} of a core, or no more
 * than {@link IDLE_MARGIN} above their own background `baseline` (from {@link idleShare}), over
 * `intervalMs` (what a request set off, relayed events and their consumers, has finished), or after
 * `timeoutMs`: a system that never quietens is measured as it is. With the baseline, a system whose
 * background alone is over 10 % of a core is not kept waiting, and its background not counted, for
 * the whole `timeoutMs` after every load.
 */
export async function settle(pids: readonly number[], timeoutMs = 10_000, { baseline = 0, intervalMs = 500 }: { baseline?: number; intervalMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const idle = Math.max(IDLE_SHARE, baseline + IDLE_MARGIN);
  while (Date.now() < deadline) {
    if ((await shareOver(pids, Math.min(intervalMs, Math.max(1, deadline - Date.now())))) < idle) return;
  }
}

/** The loads each scenario is measured under: the closed loop, then the open loop when a rate is set. */
export function loadsOf(args: Pick<BenchArgs, 'connections' | 'ratePerSecond'>): TopologyLoad[] {
  const loads: TopologyLoad[] = [{ mode: 'closed', connections: args.connections, rate_per_s: null }];
  if (args.ratePerSecond !== null) loads.push({ mode: 'open', connections: args.connections, rate_per_s: args.ratePerSecond });
  return loads;
}

const key = (scenario: string, load: TopologyLoad, topology: TopologyName) => `${scenario}|${loadLabel(load)}|${topology}`;

/**
 * Measures every scenario in both topologies, in alternation (microservices then monolith, then
 * monolith then microservices, round after round), each on a freshly started system pinned as the
 * other benchmarks are: the warm-up, the closed-loop measurement at `connections`, then the
 * open-loop one at `ratePerSecond`, on the same system. CPU and memory are summed over every
 * process of the system (the monolith is one process and the payment provider).
 */
export async function runTopologies(args: BenchArgs, say: (line: string) => void, pinned: boolean, command: string): Promise<TopologyComparison> {
  const startedAt = new Date().toISOString();
  const loads = loadsOf(args);
  const runs = new Map<string, TopologyRun[]>();
  for (const [index, name] of args.scenarios.entries()) {
    const scenario = SCENARIOS[name];
    if (!scenario) throw new Error(`unknown scenario ${name}`);
    for (let round = 1; round <= args.rounds; round++) {
      const order = round % 2 === 1 ? TOPOLOGIES : [...TOPOLOGIES].reverse();
      for (const topology of order) {
        const where = `${name} (${index + 1}/${args.scenarios.length}) · round ${round}/${args.rounds} · ${topology.name}`;
        say(`${where}: starting the system`);
        const system = await startWithRetry(() => startSystem({ env: {}, args: topology.args, cpus: pinned ? '1' : undefined, supervisorCpus: pinned ? '0' : undefined }), (error) =>
          say(`${where}: the system did not start (${firstLine(error)}); trying once more`),
        );
        try {
          const pids = await system.pids();
          const baseline = await readBackground(Object.values(pids), say, where);
          const target = await scenario.prepare(system);
          await warmUpSaying(target, args.connections, args.warmupSeconds, say, where);
          for (const load of loads) {
            say(`${where} · ${loadLabel(load)}: waiting for the system to settle`);
            await settle(Object.values(pids), 10_000, { baseline });
            const before = sampleEach(pids);
            const wallStart = performance.now();
            const onTick = (s: number) => say(`${where} · ${loadLabel(load)}: measuring ${Math.min(s, args.durationSeconds)}/${args.durationSeconds} s`);
            const result: LoadResult =
              load.mode === 'closed'
                ? await runLoad({ ...target, connections: load.connections, durationSeconds: args.durationSeconds, onTick })
                : await runOpenLoad({ ...target, ratePerSecond: load.rate_per_s ?? 1, connections: load.connections, durationSeconds: args.durationSeconds, onTick });
            const wallSeconds = (performance.now() - wallStart) / 1000;
            const atEnd = sampleAll(Object.values(pids));
            // The work the requests set off after their answers (events relayed and applied) is theirs too.
            say(`${where} · ${loadLabel(load)}: waiting for the work it set off to finish`);
            await settle(Object.values(pids), 10_000, { baseline });
            const after = sampleEach(pids);
            const cpuByProcess = Object.fromEntries(Object.keys(pids).map((id) => [id, (after[id]?.cpuSeconds ?? 0) - (before[id]?.cpuSeconds ?? 0)]));
            const cpuSecondsUnderLoad = atEnd.cpuSeconds - Object.values(before).reduce((sum, s) => sum + s.cpuSeconds, 0);
            const id = key(name, load, topology.name);
            runs.set(id, [...(runs.get(id) ?? []), { ...result, cpuSecondsByProcess: cpuByProcess, cpuSecondsUnderLoad, wallSeconds, rssBytes: atEnd.rssBytes }]);
            say(`${where} · ${loadLabel(load)}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(1)} ms, ${result.errors} errors${result.unsent ? `, ${result.unsent} not sent` : ''}`);
          }
        } finally {
          await system.stop();
        }
      }
    }
  }

  return {
    comparison: 'topologies',
    command,
    started_at: startedAt,
    finished_at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, pinned },
    settings: { duration_s: args.durationSeconds, warmup_s: args.warmupSeconds, rounds: args.rounds, connections: args.connections, rate_per_s: args.ratePerSecond },
    topologies: TOPOLOGIES.map(({ name, description, start }) => ({ name, description, start })),
    results: args.scenarios.flatMap((name) =>
      loads.map((load) => {
        const microservices = summariseTopology(runs.get(key(name, load, 'microservices')) ?? []);
        const monolith = summariseTopology(runs.get(key(name, load, 'monolith')) ?? []);
        return { scenario: name, description: SCENARIOS[name]?.description ?? '', load, microservices, monolith, ratio: topologyRatio(microservices, monolith) };
      }),
    ),
  };
}
