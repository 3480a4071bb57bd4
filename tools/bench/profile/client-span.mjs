// What a client span costs one chassis client, by who makes it: one Microshop-shaped Fastify app
// (the chassis' `createServer`) whose route calls a neighbour through the chassis client
// (`createServiceClient`, as the gateway and the Order service do), traced by the chassis' server
// spans in every variant, and with the client spans of OpenTelemetry's instrumentation-undici (as
// the preload made them before), of the chassis client (`startClientSpan`, as it makes them now),
// or none. Every span is kept and handed to an exporter that drops it, so the figures are the
// making of the spans, not their export.
//
//   npm run build && node tools/bench/profile/client-span.mjs [--rounds 5] [--duration 4] [--connections 10]
//
// The variants run in alternation (A B C, then C B A, …), each in a fresh process pinned to CPU 1
// and warmed up until its rate levels off (the suite's warm-up); the neighbour (plain `node:http`,
// untraced) and the load stay on CPU 0 when taskset is there. It prints requests/s and CPU µs per
// request of the calling process (from /proc) for each variant, the median of the rounds, and what
// each adds to no client span. Uses ports 5161 (the caller) and 5162 (the neighbour).
import { Buffer } from 'node:buffer';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import console from 'node:console';
import { createServer as createHttpServer } from 'node:http';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const PORT = 5161;
const NEIGHBOUR_PORT = 5162;
const TASKSET = '/usr/bin/taskset';
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '4' },
    connections: { type: 'string', default: '10' },
    serve: { type: 'string' },
  },
});

/** The calling side: tracing set up as `variant` says, then the app, listening on PORT. */
async function serve(variant) {
  const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { ExportResultCode } = await import('@opentelemetry/core');
  const dropping = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: () => Promise.resolve() };
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropping)] });
  provider.register();
  const { traceIncomingRequests } = await import('../../../packages/chassis/dist/telemetry/server-spans.js');
  traceIncomingRequests(provider.getTracer('@microshop/chassis/http'));
  if (variant === 'instrumentation-undici') {
    const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
    const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
    const { isUntracedPath } = await import('../../../packages/chassis/dist/telemetry/index.js');
    // The configuration the preload gave it (less the peer's name, which came from the context).
    registerInstrumentations({
      tracerProvider: provider,
      instrumentations: [
        new UndiciInstrumentation({
          ignoreRequestHook: (request) => isUntracedPath(request.path),
          requestHook: (span, request) => span.updateName(`${request.method} ${request.path.split('?', 1)[0]}`),
        }),
      ],
    });
  } else if (variant === 'chassis') {
    const { traceOutgoingCalls } = await import('../../../packages/chassis/dist/telemetry/client-spans.js');
    traceOutgoingCalls(provider.getTracer('@microshop/chassis/client'));
  }
  const { createServer } = await import('../../../packages/chassis/dist/server.js');
  const { createServiceClient } = await import('../../../packages/chassis/dist/service-client.js');
  const products = createServiceClient({ service: 'product-service', baseUrl: `http://127.0.0.1:${NEIGHBOUR_PORT}`, timeoutMs: 2000 });
  const app = await createServer({ name: 'order-service', logLevel: false, docs: false });
  app.get('/api/orders/:id', async (request) => {
    const { body } = await products.call({ path: `/api/products/${request.params.id}` });
    return { id: Number(request.params.id), product: body };
  });
  await app.listen({ port: PORT, host: '127.0.0.1' });
  process.stdout.write('listening\n');
}

/** The neighbour: a plain `node:http` server answering every request with a product, untraced. */
function neighbour() {
  const body = JSON.stringify({ id: 7, name: 'Laptop', price: 999.99, stock: 10 });
  const server = createHttpServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  });
  return new Promise((resolve) => server.listen(NEIGHBOUR_PORT, '127.0.0.1', () => resolve(server)));
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
  const server = await neighbour();
  const VARIANTS = ['none', 'instrumentation-undici', 'chassis'];
  const results = new Map(VARIANTS.map((v) => [v, []]));
  const target = { url: `http://127.0.0.1:${PORT}/api/orders/7`, method: 'GET' };

  for (let round = 1; round <= rounds; round++) {
    for (const variant of round % 2 === 1 ? VARIANTS : [...VARIANTS].reverse()) {
      const script = fileURLToPath(import.meta.url);
      const args = [script, '--serve', variant];
      const child = spawn(pinned ? TASKSET : process.execPath, pinned ? ['-c', '1', process.execPath, ...args] : args, { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((resolve, reject) => {
        child.stdout.on('data', (chunk) => String(chunk).includes('listening') && resolve());
        child.once('exit', (code) => reject(new Error(`the ${variant} caller exited (${code})`)));
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
  server.close();

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const noneCpu = median(results.get('none').map((r) => r.cpuUs));
  console.log(`\nOne chassis server calling a neighbour through the chassis client, GET /api/orders/7, ${connections} connections, ${rounds} rounds of ${duration} s (medians)\n`);
  console.log(`${'client spans'.padEnd(24)} ${'req/s'.padStart(7)} ${'CPU µs/req'.padStart(11)} ${'+ µs'.padStart(6)}`);
  for (const variant of VARIANTS) {
    const rps = median(results.get(variant).map((r) => r.rps));
    const cpu = median(results.get(variant).map((r) => r.cpuUs));
    console.log(`${variant.padEnd(24)} ${rps.toFixed(0).padStart(7)} ${cpu.toFixed(1).padStart(11)} ${(cpu - noneCpu).toFixed(1).padStart(6)}`);
  }
}
