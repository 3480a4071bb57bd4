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
// The variants run in alternation (A B C, then C B A, …; `alternate.mjs`), each in a fresh process
// pinned to CPU 1 and warmed up until its rate levels off (the suite's warm-up); the neighbour (plain `node:http`,
// untraced) and the load stay on CPU 0 when taskset is there. It prints requests/s and CPU µs per
// request of the calling process (from /proc) for each variant, the median of the rounds, and what
// each adds to no client span. Uses ports 5161 (the caller) and 5162 (the neighbour).
import { Buffer } from 'node:buffer';
import { createServer as createHttpServer } from 'node:http';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { alternate, droppingTracerProvider, printMedians, profileArgs } from './alternate.mjs';

const PORT = 5161;
const NEIGHBOUR_PORT = 5162;
const values = profileArgs();

/** The calling side: tracing set up as `variant` says, then the app, listening on PORT. */
async function serve(variant) {
  const provider = await droppingTracerProvider();
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
  const [rounds, duration, connections] = [Number(values.rounds), Number(values.duration), Number(values.connections)];
  const target = { url: `http://127.0.0.1:${PORT}/api/orders/7`, method: 'GET' };
  const variants = ['none', 'instrumentation-undici', 'chassis'];
  const server = await neighbour();
  try {
    const results = await alternate({ script: fileURLToPath(import.meta.url), variants, target, rounds, duration, connections });
    printMedians(`One chassis server calling a neighbour through the chassis client, GET /api/orders/7, ${connections} connections, ${rounds} rounds of ${duration} s (medians)`, 'client spans', results);
  } finally {
    server.close();
  }
}
