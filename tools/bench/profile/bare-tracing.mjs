// What each part of OpenTelemetry's tracing costs the bare chain (no Microshop code at all): order
// creation through the bare gateway, 50 connections, with tracing off, then each part added in turn
// (tools/bench/src/bare/tracing.ts): the context manager alone, the SDK and instrumentations with a
// sampler that keeps nothing, every span kept but none exported, and everything with the export.
//
//   npm run build && node tools/bench/profile/bare-tracing.mjs [--rounds 2] [--duration 6] [--scenario create-order|get-product]
//
// The variants run in alternation (A B C D E, then E D C B A, …), each on a freshly started chain
// warmed up until its rate levels off (the suite's warm-up), pinned to CPU 1 (the load stays on
// this process's CPU, pinned to 0 when taskset is there). It
// prints requests/s and CPU ms per request (summed over the four processes, from /proc) for each
// variant, the median of the rounds, and each against tracing off. Uses ports 5150-5153.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import console from 'node:console';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startBareSystem } from '../dist/bare/index.js';
import { runLoad, warmUp } from '../dist/load.js';
import { sampleAll } from '../dist/process-usage.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, duration: { type: 'string', default: '6' }, scenario: { type: 'string', default: 'create-order' } } });
const rounds = Number(values.rounds);
const duration = Number(values.duration);
if (existsSync('/usr/bin/taskset')) execFileSync('/usr/bin/taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });

const VARIANTS = [
  { name: 'tracing off', tracing: false },
  { name: 'context manager only', tracing: 'context' },
  { name: 'SDK, nothing sampled', tracing: 'unsampled' },
  { name: 'every span, no export', tracing: 'recorded' },
  { name: 'every span, exported', tracing: 'exported' },
];

const results = new Map(VARIANTS.map((v) => [v.name, []]));
for (let round = 1; round <= rounds; round++) {
  for (const variant of round % 2 === 1 ? VARIANTS : [...VARIANTS].reverse()) {
    const system = await startBareSystem('bare-chain', { basePort: 5150, cpus: '1', tracing: variant.tracing });
    try {
      const gateway = system.url('gateway');
      const post = (path, body) => globalThis.fetch(`${gateway}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await post('/api/users', { name: 'Bench', email: 'bench@example.com' });
      await post('/api/products', { name: 'Laptop', price: 999.99, stock: 1_000_000_000 });
      const target =
        values.scenario === 'get-product'
          ? { url: `${gateway}/api/products/1`, method: 'GET' }
          : { url: `${gateway}/api/orders`, method: 'POST', body: JSON.stringify({ user_id: 1, product_id: 1, quantity: 3 }) };
      await warmUp(target, 50, { minSeconds: 2 });
      const pids = Object.values(await system.pids());
      const before = sampleAll(pids).cpuSeconds;
      const result = await runLoad({ ...target, connections: 50, durationSeconds: duration });
      // The spans still in the batch processor's buffer are exported within its 5 s delay: counted too.
      if (variant.tracing === 'exported') await sleep(5500);
      const cpuMs = ((sampleAll(pids).cpuSeconds - before) * 1000) / Math.max(1, result.requests);
      results.get(variant.name).push({ rps: result.requestsPerSecond, cpuMs, errors: result.errors });
      console.error(`round ${round}/${rounds} · ${variant.name}: ${result.requestsPerSecond.toFixed(0)} req/s, ${cpuMs.toFixed(3)} CPU ms/request, ${result.errors} errors`);
    } finally {
      await system.stop();
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const off = median(results.get('tracing off').map((r) => r.rps));
const offCpu = median(results.get('tracing off').map((r) => r.cpuMs));
console.log(`\nThe bare chain, ${values.scenario}, 50 connections, ${rounds} rounds of ${duration} s (medians)\n`);
console.log(`${'variant'.padEnd(24)} ${'req/s'.padStart(7)} ${'× off'.padStart(6)} ${'CPU ms/req'.padStart(11)} ${'+ CPU ms'.padStart(9)}`);
for (const { name } of VARIANTS) {
  const rps = median(results.get(name).map((r) => r.rps));
  const cpu = median(results.get(name).map((r) => r.cpuMs));
  console.log(`${name.padEnd(24)} ${rps.toFixed(0).padStart(7)} ${(rps / off).toFixed(2).padStart(6)} ${cpu.toFixed(3).padStart(11)} ${(cpu - offCpu).toFixed(3).padStart(9)}`);
}
