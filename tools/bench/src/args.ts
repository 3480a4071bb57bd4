import { parseArgs } from 'node:util';
import { SUITE_SYSTEMS, type SuiteSystemName } from '@microshop/contracts';
import { COMPARISONS } from './comparisons.js';
import { WARMUP_CONNECTIONS, WARMUP_MAX_SECONDS } from './load.js';
import { SCENARIOS } from './scenarios.js';
import { TOPOLOGY_SCENARIOS } from './topologies.js';

/** What `npm run bench -- …` asked for. */
export interface BenchArgs {
  /** The whole performance suite (`npm run bench` with no --scenario or --compare, or `--suite`). */
  suite: boolean;
  /** Suite: only these systems; all when empty. */
  systems: SuiteSystemName[];
  /** Suite: seconds of mixed load before memory is read (0: none). */
  memoryLoadSeconds: number;
  /** Suite: GET product requests each way for the gateway at no load (0: none). */
  noLoadRequests: number;
  /** Suite: the longest wait, in seconds, for the system to go idle before and after each measurement. */
  settleSeconds: number;
  scenario: string;
  compare: string | null;
  /** `--compare-topologies` (or `--compare topologies`): every scenario of {@link scenarios} in both topologies. */
  topologies: boolean;
  /** The scenarios of the topology comparison: `--scenario a,b`, or the four flows. */
  scenarios: string[];
  /** The open-loop rate of the topology comparison, requests per second; null: closed loop only (`--rate 0`). */
  ratePerSecond: number | null;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  rounds: number;
  outDir: string;
  pin: boolean;
}

/** The open-loop rate of the topology comparison: below what every scenario sustains in both topologies on one core of this machine. */
export const DEFAULT_RATE = 25;

/** The suite's settings when not given: 50 connections (the tails goal's load), shorter rounds (it measures many systems). */
const SUITE_DEFAULTS = { duration: 5, warmup: 2, connections: 50, rounds: 2 };
/** A single scenario's or comparison's settings when not given. */
const SINGLE_DEFAULTS = { duration: 10, warmup: 3, connections: 10, rounds: 2 };

export const USAGE = `Usage: npm run bench -- [options]

  With no --scenario or --compare: the performance suite. Every scenario on Microshop's
  microservices (at its defaults, and with tracing, logging or resilience off), its monolith, and
  bare-bones references (a fastify + undici + better-sqlite3 chain and the same logic in one
  process); pairings, open-loop runs at 50 % and 80 % of the maximum, the gateway at no load,
  memory after a mixed load, start-up times, and the performance goals checked. Writes
  suite.json and suite.svg. Defaults: --duration ${SUITE_DEFAULTS.duration} --warmup ${SUITE_DEFAULTS.warmup} --connections ${SUITE_DEFAULTS.connections} --rounds ${SUITE_DEFAULTS.rounds}.

  --suite             the suite (the default when neither --scenario nor --compare is given)
  --systems A,B       suite: only these systems (${SUITE_SYSTEMS.join(', ')})
  --memory-load S     suite: seconds of mixed load before memory is read (default 60, 0 for none)
  --no-load N         suite: GET product requests each way for the gateway at no load (default 2000, 0 for none)
  --settle S          suite: the longest wait for the system to go idle (under 10 % of a core, or within
                      5 % of its own background) before and after each measurement (default 10, 0-60)
  --scenario NAME     ${Object.keys(SCENARIOS).join(' | ')} (default create-order)
  --compare NAME      ${[...Object.keys(COMPARISONS), 'topologies'].join(' | ')}: configurations measured in alternation
  --compare-topologies
                      the same as --compare topologies: each scenario (--scenario a,b; default
                      ${TOPOLOGY_SCENARIOS.join(', ')}) in the microservices and the
                      modular monolith (npm start -- --monolith), closed loop at --connections and
                      open loop at --rate; writes topologies.json and topologies.svg
  --rate N            requests offered per second in the topology comparison's open-loop run
                      (default ${DEFAULT_RATE}, 0 for none, at most 2000)
  --duration S        seconds measured per round and configuration (default ${SINGLE_DEFAULTS.duration}, 1-120)
  --warmup S          before each measurement, load at most ${WARMUP_CONNECTIONS} connections for at least S seconds
                      and until the rate levels off, at most ${WARMUP_MAX_SECONDS} s (default ${SINGLE_DEFAULTS.warmup}, 0-60, 0 for none)
  --connections N     concurrent connections (default ${SINGLE_DEFAULTS.connections}, 1-256)
  --rounds N          rounds; each runs every configuration once, A B C then C B A (default ${SINGLE_DEFAULTS.rounds}, 1-10)
  --out DIR           where the JSON and SVG go (default docs/bench)
  --no-pin            do not pin the system to CPU 1 and the load to CPU 0
`;

function bounded(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  return value;
}

/** Parses and checks the command line; throws an Error naming the bad option. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      scenario: { type: 'string' },
      compare: { type: 'string' },
      'compare-topologies': { type: 'boolean', default: false },
      rate: { type: 'string', default: String(DEFAULT_RATE) },
      suite: { type: 'boolean', default: false },
      systems: { type: 'string' },
      'memory-load': { type: 'string', default: '60' },
      'no-load': { type: 'string', default: '2000' },
      settle: { type: 'string', default: '10' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      rounds: { type: 'string' },
      out: { type: 'string', default: 'docs/bench' },
      'no-pin': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const topologies = values['compare-topologies'] || values.compare === 'topologies';
  const suite = values.suite || (!topologies && values.compare === undefined && values.scenario === undefined);
  if (values.suite && (values.compare !== undefined || values.scenario !== undefined || values['compare-topologies'])) {
    throw new Error('--suite runs every scenario and comparison: it cannot be combined with --scenario or --compare');
  }
  if (!suite && values.systems !== undefined) throw new Error('--systems belongs to the suite (npm run bench with no --scenario or --compare)');
  if (values['compare-topologies'] && values.compare !== undefined && values.compare !== 'topologies') {
    throw new Error(`--compare-topologies cannot be combined with --compare ${values.compare}`);
  }
  if (!topologies && values.compare !== undefined && !COMPARISONS[values.compare]) {
    throw new Error(`--compare must be one of ${[...Object.keys(COMPARISONS), 'topologies'].join(', ')}, not "${values.compare}"`);
  }
  const scenarios = values.scenario === undefined ? (topologies ? [...TOPOLOGY_SCENARIOS] : ['create-order']) : values.scenario.split(',').map((name) => name.trim());
  const unknown = scenarios.find((name) => !SCENARIOS[name]);
  if (unknown !== undefined) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}, not "${unknown}"`);
  if (!topologies && scenarios.length !== 1) throw new Error('--scenario takes one name, except with --compare-topologies');
  if (new Set(scenarios).size !== scenarios.length) throw new Error('--scenario names a scenario twice');
  const systems = (values.systems ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknownSystem = systems.find((name) => !(SUITE_SYSTEMS as readonly string[]).includes(name));
  if (unknownSystem !== undefined) throw new Error(`--systems must name some of ${SUITE_SYSTEMS.join(', ')}, not "${unknownSystem}"`);
  const rate = bounded('rate', values.rate, 0, 2000);
  const defaults = suite ? SUITE_DEFAULTS : SINGLE_DEFAULTS;
  return {
    suite,
    systems: systems as SuiteSystemName[],
    memoryLoadSeconds: bounded('memory-load', values['memory-load'], 0, 120),
    noLoadRequests: bounded('no-load', values['no-load'], 0, 20_000),
    settleSeconds: bounded('settle', values.settle, 0, 60),
    scenario: scenarios[0] ?? 'create-order',
    compare: topologies ? 'topologies' : (values.compare ?? null),
    topologies,
    scenarios,
    ratePerSecond: rate === 0 ? null : rate,
    durationSeconds: bounded('duration', values.duration ?? String(defaults.duration), 1, 120),
    warmupSeconds: bounded('warmup', values.warmup ?? String(defaults.warmup), 0, 60),
    connections: bounded('connections', values.connections ?? String(defaults.connections), 1, 256),
    rounds: bounded('rounds', values.rounds ?? String(defaults.rounds), 1, 10),
    outDir: values.out,
    pin: !values['no-pin'],
  };
}
