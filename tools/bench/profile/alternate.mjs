// Variants of one server measured in alternation, for the profile scripts that compare ways of
// doing the same thing (server-span.mjs, client-span.mjs): each variant runs in a fresh process of
// `script --serve <variant>`, pinned to CPU 1, which prints `listening` once it serves; it is warmed
// up until its rate levels off (the suite's warm-up), loaded for `duration` seconds, and stopped.
// The rounds go A B C, then C B A, so that no variant is always the first or the last. The load
// stays on this process's CPU, pinned to 0 when taskset is there.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import console from 'node:console';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const TASKSET = '/usr/bin/taskset';

/**
 * The command line every such script takes: `--rounds` (5), `--duration` in seconds (4),
 * `--connections` (10), and `--serve <variant>` for the child it starts.
 */
export function profileArgs() {
  return parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      duration: { type: 'string', default: '4' },
      connections: { type: 'string', default: '10' },
      serve: { type: 'string' },
    },
  }).values;
}

/** A tracer provider, registered globally, whose spans are all kept and handed to an exporter that drops them. */
export async function droppingTracerProvider() {
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { ExportResultCode } = await import('@opentelemetry/core');
  const dropping = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: () => Promise.resolve() };
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });
  provider.register();
  return provider;
}

/**
 * Measures each variant `rounds` times; returns, for each, its rounds' requests/s and CPU µs per
 * request (the server process's, from /proc). Prints a line per measurement on stderr.
 *
 * @example
 * const results = await alternate({ script: fileURLToPath(import.meta.url), variants: ['off', 'on'], target: { url, method: 'GET' }, rounds: 5, duration: 4, connections: 10 })
 */
export async function alternate({ script, variants, target, rounds, duration, connections }) {
  const { runLoad, warmUp } = await import('../dist/load.js');
  const { sampleAll } = await import('../dist/process-usage.js');
  const pinned = existsSync(TASKSET);
  if (pinned) execFileSync(TASKSET, ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
  const results = new Map(variants.map((v) => [v, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const variant of round % 2 === 1 ? variants : [...variants].reverse()) {
      const args = [script, '--serve', variant];
      const child = spawn(pinned ? TASKSET : process.execPath, pinned ? ['-c', '1', process.execPath, ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve, reject) => {
        child.stdout.on('data', (chunk) => String(chunk).includes('listening') && resolve());
        child.once('exit', (code) => reject(new Error(`the ${variant} server exited (${code})`)));
      });
      try {
        await warmUp(target, connections, { minSeconds: 2 });
        const before = sampleAll([child.pid]).cpuSeconds;
        const result = await runLoad({ ...target, connections, durationSeconds: duration });
        const cpuUs = ((sampleAll([child.pid]).cpuSeconds - before) * 1e6) / Math.max(1, result.requests);
        results.get(variant).push({ rps: result.requestsPerSecond, cpuUs });
        console.error(`round ${round}/${rounds} · ${variant}: ${result.requestsPerSecond.toFixed(0)} req/s, ${cpuUs.toFixed(1)} CPU µs/request, ${result.errors} errors`);
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
        await sleep(200);
      }
    }
  }
  return results;
}

/**
 * Prints the medians of {@link alternate}'s results as a table: requests/s, CPU µs per request, and
 * what each variant adds to the first one.
 */
export function printMedians(title, heading, results) {
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const variants = [...results.keys()];
  const width = Math.max(heading.length, ...variants.map((v) => v.length)) + 2;
  const baseCpu = median(results.get(variants[0]).map((r) => r.cpuUs));
  console.log(`\n${title}\n`);
  console.log(`${heading.padEnd(width)} ${'req/s'.padStart(7)} ${'CPU µs/req'.padStart(11)} ${'+ µs'.padStart(6)}`);
  for (const variant of variants) {
    const rps = median(results.get(variant).map((r) => r.rps));
    const cpu = median(results.get(variant).map((r) => r.cpuUs));
    console.log(`${variant.padEnd(width)} ${rps.toFixed(0).padStart(7)} ${cpu.toFixed(1).padStart(11)} ${(cpu - baseCpu).toFixed(1).padStart(6)}`);
  }
}

/**
 * The app the server-side scripts measure: the chassis' `createServer` (with `options`) and one
 * route with a parameter answering a small product, listening on `port`; prints `listening` once it
 * serves, for {@link alternate}.
 */
export async function serveProductRoute(port, options) {
  const { createServer } = await import('../../../packages/chassis/dist/server.js');
  const app = await createServer({ name: 'product-service', docs: false, ...options });
  app.get('/api/products/:id', async (request) => ({ id: Number(request.params.id), name: 'Laptop', price: 999.99, stock: 10 }));
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write('listening\n');
}

/**
 * The measuring side of such a script: each variant's server (`script --serve <variant>`) loaded
 * with `GET /api/products/7` on `port`, in alternation, and the medians printed under `heading`.
 */
export async function measureProductRoute({ script, port, variants, heading, rounds, duration, connections }) {
  const target = { url: `http://127.0.0.1:${port}/api/products/7`, method: 'GET' };
  const results = await alternate({ script, variants, target, rounds, duration, connections });
  printMedians(`One chassis server, GET /api/products/7, ${connections} connections, ${rounds} rounds of ${duration} s (medians)`, heading, results);
}
