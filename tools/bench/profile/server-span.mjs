// What a server span costs one chassis server, by who makes it: one Microshop-shaped Fastify app
// (the chassis' `createServer`, a route with a parameter), with tracing off, with the server spans of
// OpenTelemetry's instrumentation-http (as the preload made them before), and with the chassis' own
// (`traceIncomingRequests`, as it makes them now). Every span is kept and handed to an exporter that
// drops it, so the figures are the making of the span, not its export.
//
//   npm run build && node tools/bench/profile/server-span.mjs [--rounds 5] [--duration 4] [--connections 10]
//
// The variants run in alternation (A B C, then C B A, …), each in a fresh process pinned to CPU 1
// and warmed up until its rate levels off (the suite's warm-up); the load stays on this process's
// CPU, pinned to 0 when taskset is there. It prints requests/s and CPU µs per request (the server
// process's, from /proc) for each variant, the median of the rounds, and what each adds to tracing
// off. Uses port 5160.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import console from 'node:console';
import { createRequire } from 'node:module';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const PORT = 5160;
const TASKSET = '/usr/bin/taskset';
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '10' },
    serve: { type: 'string' },
  },
});

/** The server side: tracing set up as `variant` says, then the app, listening on PORT. */
async function serve(variant) {
  if (variant !== 'off') {
    const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
    const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
    const { ExportResultCode } = await import('@opentelemetry/core');
    const dropping = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: () => Promise.resolve() };
    const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });
    provider.register();
    if (variant === 'instrumentation-http') {
      const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
      const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
      const { isUntracedPath, TRACE_ID_HEADER } = await import('../../../packages/chassis/dist/telemetry/index.js');
      const { ServerResponse } = await import('node:http');
      // The configuration the preload gave it.
      registerInstrumentations({
        tracerProvider: provider,
        instrumentations: [
          new HttpInstrumentation({
            ignoreIncomingRequestHook: (request) => isUntracedPath(request.url),
            ignoreOutgoingRequestHook: (options) => isUntracedPath(options.path ?? undefined),
            headersToSpanAttributes: { server: { requestHeaders: ['x-request-id'] } },
            responseHook: (span, response) => {
              if (response instanceof ServerResponse && !response.headersSent) response.setHeader(TRACE_ID_HEADER, span.spanContext().traceId);
            },
          }),
        ],
      });
      createRequire(import.meta.url)('node:http');
    } else {
      const { traceIncomingRequests } = await import('../../../packages/chassis/dist/telemetry/server-spans.js');
      traceIncomingRequests(provider.getTracer('@microshop/chassis/http'));
    }
  }
  const { createServer } = await import('../../../packages/chassis/dist/server.js');
  const app = await createServer({ name: 'product-service', logLevel: false, docs: false });
  app.get('/api/products/:id', async (request) => ({ id: Number(request.params.id), name: 'Laptop', price: 999.99, stock: 10 }));
  await app.listen({ port: PORT, host: '127.0.0.1' });
  process.stdout.write('listening\n');
}

if (values.serve) {
  await serve(values.serve);
} else {
  const { runLoad, warmUp } = await import('../dist/load.js');
  const { sampleAll } = await import('../dist/process-usage.js');
  const rounds = Number(values.rounds);
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const pinned = existsSync(TASKSET);
  if (pinned) execFileSync(TASKSET, ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
  const VARIANTS = ['off', 'instrumentation-http', 'chassis'];
  const results = new Map(VARIANTS.map((v) => [v, []]));
  const target = { url: `http://127.0.0.1:${PORT}/api/products/7`, method: 'GET' };

  for (let round = 1; round <= rounds; round++) {
    for (const variant of round % 2 === 1 ? VARIANTS : [...VARIANTS].reverse()) {
      const script = fileURLToPath(import.meta.url);
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

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const offCpu = median(results.get('off').map((r) => r.cpuUs));
  console.log(`\nOne chassis server, GET /api/products/7, ${connections} connections, ${rounds} rounds of ${duration} s (medians)\n`);
  console.log(`${'server spans'.padEnd(22)} ${'req/s'.padStart(7)} ${'CPU µs/req'.padStart(11)} ${'+ µs'.padStart(6)}`);
  for (const variant of VARIANTS) {
    const rps = median(results.get(variant).map((r) => r.rps));
    const cpu = median(results.get(variant).map((r) => r.cpuUs));
    console.log(`${variant.padEnd(22)} ${rps.toFixed(0).padStart(7)} ${cpu.toFixed(1).padStart(11)} ${(cpu - offCpu).toFixed(1).padStart(6)}`);
  }
}
