import { parseArgs } from 'node:util';
import { COMPARISONS } from './comparisons.js';
import { SCENARIOS } from './scenarios.js';
import { TOPOLOGY_SCENARIOS } from './topologies.js';

/** What `npm run bench -- …` asked for. */
export interface BenchArgs {
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

export const USAGE = `Usage: npm run bench -- [options]

  --scenario NAME     ${Object.keys(SCENARIOS).join(' | ')} (default create-order)
  --compare NAME      ${[...Object.keys(COMPARISONS), 'topologies'].join(' | ')}: configurations measured in alternation
  --compare-topologies
                      the same as --compare topologies: each scenario (--scenario a,b; default
                      ${TOPOLOGY_SCENARIOS.join(', ')}) in the microservices and the
                      modular monolith (npm start -- --monolith), closed loop at --connections and
                      open loop at --rate; writes topologies.json and topologies.svg
  --rate N            requests offered per second in the topology comparison's open-loop run
                      (default ${DEFAULT_RATE}, 0 for none, at most 2000)
  --duration S        seconds measured per round and configuration (default 10, 1-120)
  --warmup S          seconds of load before measuring (default 3, 0-60)
  --connections N     concurrent connections (default 10, 1-256)
  --rounds N          rounds; each runs every configuration once, A B C then C B A (default 2, 1-10)
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
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '2' },
      out: { type: 'string', default: 'docs/bench' },
      'no-pin': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const topologies = values['compare-topologies'] || values.compare === 'topologies';
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
  const rate = bounded('rate', values.rate, 0, 2000);
  return {
    scenario: scenarios[0] ?? 'create-order',
    compare: topologies ? 'topologies' : (values.compare ?? null),
    topologies,
    scenarios,
    ratePerSecond: rate === 0 ? null : rate,
    durationSeconds: bounded('duration', values.duration, 1, 120),
    warmupSeconds: bounded('warmup', values.warmup, 0, 60),
    connections: bounded('connections', values.connections, 1, 256),
    rounds: bounded('rounds', values.rounds, 1, 10),
    outDir: values.out,
    pin: !values['no-pin'],
  };
}
