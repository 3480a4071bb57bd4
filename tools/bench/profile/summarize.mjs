// Where a CPU profile's time went: the functions with the most samples of their own (self) and
// the most samples under them (inclusive), idle time left out.
//
//   node tools/bench/profile/summarize.mjs gateway-1234.cpuprofile [--top 40] [--skip-ms 20000]
//   node tools/bench/profile/summarize.mjs gateway-1234.cpuprofile --last-ms 12000 --stacks writeLatin1String
//
// --skip-ms leaves out the first milliseconds of the profile (start-up), --last-ms keeps only its
// last milliseconds (the load, when the system was stopped right after it), so that what remains is
// the load. --stacks NAME prints, instead of the tables, the heaviest call stacks under which a
// function whose name contains NAME was running. Packages are shown as `nm:<package>/<file>`, the project's files from the repository root.
import { readFileSync } from 'node:fs';
import console from 'node:console';
import process from 'node:process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: {
    top: { type: 'string', default: '40' },
    'skip-ms': { type: 'string', default: '0' },
    'last-ms': { type: 'string' },
    stacks: { type: 'string' },
  },
});
const [file] = positionals;
if (!file) {
  console.error('usage: node tools/bench/profile/summarize.mjs <file.cpuprofile> [--top N] [--skip-ms MS | --last-ms MS] [--stacks NAME]');
  process.exit(2);
}
const top = Number(values.top);

/** @type {{ nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }>, samples: number[], timeDeltas: number[] }} */
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

const root = process.cwd() + '/';
const label = ({ callFrame: { functionName, url, lineNumber } }) =>
  `${functionName || '(anonymous)'} ${url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:').replace(root, '')}:${lineNumber + 1}`;

// Microseconds per sampled node, after the skipped start.
const length = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
const skipUs = values['last-ms'] === undefined ? Number(values['skip-ms']) * 1000 : length - Number(values['last-ms']) * 1000;
const sampled = new Map();
let clock = 0;
let busy = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  clock += delta;
  if (clock < skipUs || nodes.get(id)?.callFrame.functionName === '(idle)') return;
  sampled.set(id, (sampled.get(id) ?? 0) + delta);
  busy += delta;
});

if (values.stacks !== undefined) {
  // The stacks, outermost frame first, under which a matching function was on the CPU.
  const stacks = new Map();
  let matched = 0;
  for (const [id, us] of sampled) {
    const frames = [];
    for (let at = id; at !== undefined; at = parents.get(at)) frames.push(label(nodes.get(at)));
    if (!frames.some((frame) => frame.split(' ')[0].includes(values.stacks))) continue;
    const key = frames.reverse().slice(1).join('\n    ');
    stacks.set(key, (stacks.get(key) ?? 0) + us);
    matched += us;
  }
  console.log(`${file}: ${(matched / 1000).toFixed(0)} of ${(busy / 1000).toFixed(0)} ms on the CPU ran under "${values.stacks}"\n`);
  for (const [stack, us] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms\n    ${stack}\n`);
  }
  process.exit(0);
}

const self = new Map();
const inclusive = new Map();
for (const [id, us] of sampled) {
  const own = label(nodes.get(id));
  self.set(own, (self.get(own) ?? 0) + us);
  // Each function once per stack, however deep its recursion.
  const seen = new Set();
  for (let at = id; at !== undefined; at = parents.get(at)) {
    const name = label(nodes.get(at));
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + us);
  }
}

const table = (totals) =>
  [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / busy).toFixed(1).padStart(5)} %  ${name}`)
    .join('\n');

console.log(`${file}: ${(busy / 1000).toFixed(0)} ms on the CPU (idle left out)\n\nself\n${table(self)}\n\ninclusive\n${table(inclusive)}`);
