import { parseArgs } from 'node:util';
import { COMPARISONS } from './comparisons.js';
import { SCENARIOS } from './scenarios.js';

/** What `npm run bench -- …` asked for. */
export interface BenchArgs {
  scenario: string;
  compare: string | null;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  rounds: number;
  outDir: string;
  pin: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --scenario NAME     ${Object.keys(SCENARIOS).join(' | ')} (default create-order)
  --compare NAME      ${Object.keys(COMPARISONS).join(' | ')}: configurations measured in alternation
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
      scenario: { type: 'string', default: 'create-order' },
      compare: { type: 'string' },
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
  if (!SCENARIOS[values.scenario]) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}, not "${values.scenario}"`);
  if (values.compare !== undefined && !COMPARISONS[values.compare]) {
    throw new Error(`--compare must be one of ${Object.keys(COMPARISONS).join(', ')}, not "${values.compare}"`);
  }
  return {
    scenario: values.scenario,
    compare: values.compare ?? null,
    durationSeconds: bounded('duration', values.duration, 1, 120),
    warmupSeconds: bounded('warmup', values.warmup, 0, 60),
    connections: bounded('connections', values.connections, 1, 256),
    rounds: bounded('rounds', values.rounds, 1, 10),
    outDir: values.out,
    pin: !values['no-pin'],
  };
}
