// What a V8 heap snapshot holds: its total (what was live: V8 collects garbage before it writes a
// snapshot) and the largest kinds of thing in it, by their own size.
//
//   NODE_OPTIONS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/heap" npm start   # then load it
//   kill -USR2 <pid of a service>        # writes /tmp/heap/Heap.<date>.<pid>….heapsnapshot
//   node tools/bench/profile/heap-summary.mjs /tmp/heap/Heap.*.heapsnapshot [--top 20]
//
// Objects are grouped by constructor, everything else by V8's kind of node: (code) is compiled
// functions and their metadata, (string) and (concatenated string) strings, (array) V8's internal
// arrays (property and element stores), (object shape) hidden classes. A snapshot of a large heap
// needs a few times its size in memory to read.
import { readFileSync } from 'node:fs';
import console from 'node:console';
import process from 'node:process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '20' } } });
if (positionals.length === 0) {
  console.error('usage: node tools/bench/profile/heap-summary.mjs <file.heapsnapshot>… [--top N]');
  process.exit(2);
}
const MiB = 1024 * 1024;
for (const file of positionals) {
  const snapshot = JSON.parse(readFileSync(file, 'utf8'));
  const fields = snapshot.snapshot.meta.node_fields;
  const kinds = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt, stride] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size'), fields.length];
  const { nodes, strings } = snapshot;
  const groups = new Map();
  let total = 0;
  for (let i = 0; i < nodes.length; i += stride) {
    const kind = kinds[nodes[i + typeAt]];
    const name = kind === 'object' || kind === 'closure' || kind === 'native' ? strings[nodes[i + nameAt]] || `(${kind})` : `(${kind})`;
    const size = nodes[i + sizeAt];
    total += size;
    const group = groups.get(name) ?? { size: 0, count: 0 };
    group.size += size;
    group.count += 1;
    groups.set(name, group);
  }
  console.log(`\n${file}: ${(total / MiB).toFixed(1)} MiB live in ${(nodes.length / stride).toLocaleString('en')} nodes\n`);
  console.log(`${'MiB'.padStart(8)} ${'share'.padStart(6)} ${'count'.padStart(9)}  kind or constructor`);
  for (const [name, { size, count }] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, Number(values.top))) {
    console.log(`${(size / MiB).toFixed(2).padStart(8)} ${`${((size / total) * 100).toFixed(1)}%`.padStart(6)} ${String(count).padStart(9)}  ${name.slice(0, 90)}`);
  }
}
