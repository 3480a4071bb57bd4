// Where a CPU profile's time went: the functions with the most samples of their own (self) and
// the most samples under them (inclusive), idle time left out.
//
//   node tools/bench/profile/summarize.mjs gateway-1234.cpuprofile [--top 40] [--skip-ms 20000]
//
// --skip-ms leaves out the first milliseconds of the profile (start-up), so that what remains is
// the load. Packages are shown as `nm:<package>/<file>`, the project's files from the repository root.
import { readFileSync } from 'node:fs';
import console from 'node:console';
import process from 'node:process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' }, 'skip-ms': { type: 'string', default: '0' } } });
const [file] = positionals;
if (!file) {
  console.error('usage: node tools/bench/profile/summarize.mjs <file.cpuprofile> [--top N] [--skip-ms MS]');
  process.exit(2);
}
const top = Number(values.top);
const skipUs = Number(values['skip-ms']) * 1000;

/** @type {{ nodes: Array<{ id: number, callFrame: { functionName: string, url: string, lineNumber: number }, children?: number[] }>, samples: number[], timeDeltas: number[] }} */
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parents = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);

const root = process.cwd() + '/';
const label = ({ callFrame: { functionName, url, lineNumber } }) =>
  `${functionName || '(anonymous)'} ${url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm:').replace(root, '')}:${lineNumber + 1}`;

// Microseconds per sampled node, after the skipped start.
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
