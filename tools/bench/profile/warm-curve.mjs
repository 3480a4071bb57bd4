// How a freshly started system gets up to speed: Microshop started as `npm start` starts it (fresh
// SQLite files, pinned to CPU 1 when taskset is there), then one scenario on a few connections in
// windows of 1 s, printing the 2xx answers per second of each window, and the window at which the
// suite's warm-up (`warmUp` in tools/bench/src/load.ts) would have called the rate levelled off.
//
//   npm run build && node tools/bench/profile/warm-curve.mjs [--scenario create-order] [--seconds 40] [--connections 5] [--monolith]
//
// Uses the spec's ports (5000-5004): nothing else may be listening on them.
import console from 'node:console';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { levelledOff, runLoad } from '../dist/load.js';
import { SCENARIOS } from '../dist/scenarios.js';
import { startSystem } from '../dist/system.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'create-order' },
    seconds: { type: 'string', default: '40' },
    connections: { type: 'string', default: '5' },
    monolith: { type: 'boolean', default: false },
  },
});
const scenario = SCENARIOS[values.scenario];
if (!scenario) throw new Error(`unknown scenario ${values.scenario}: ${Object.keys(SCENARIOS).join(', ')}`);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const system = await startSystem({ env: { LOG_LEVEL: 'info' }, args: values.monolith ? ['--monolith'] : [], cpus: '1', supervisorCpus: '0' });
try {
  const target = await scenario.prepare(system);
  const rates = [];
  let levelledAt;
  for (let second = 1; second <= seconds; second++) {
    const window = await runLoad({ ...target, connections, durationSeconds: 1 });
    rates.push(Math.round(window.requestsPerSecond));
    if (levelledAt === undefined && levelledOff(rates)) levelledAt = second;
    process.stdout.write(`${second} s: ${rates.at(-1)}/s${levelledAt === second ? '  (levelled off)' : ''}\n`);
  }
  console.log(`${values.scenario}, ${connections} connections, 1 s windows: ${rates.join(' ')}`);
  console.log(levelledAt === undefined ? `not levelled off in ${seconds} s` : `levelled off after ${levelledAt} s; best window ${Math.max(...rates)}/s`);
} finally {
  await system.stop();
}
