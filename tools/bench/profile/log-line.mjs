// What logging costs one chassis server per request, by level: one Microshop-shaped Fastify app
// (the chassis' `createServer`, a route with a parameter, the chassis' server spans kept and
// dropped), with Fastify's logger off, at `silent`, and at `info` (one line per request, written to
// standard output, which this script reads and drops, as the supervisor reads a service's).
//
//   npm run build && node tools/bench/profile/log-line.mjs [--rounds 5] [--duration 4] [--connections 10]
//
// The variants run in alternation (`alternate.mjs`), each in a fresh process pinned to CPU 1 and
// warmed up until its rate levels off. It prints requests/s and CPU µs per request of the server
// process, the median of the rounds, and what each adds to the logger off. Uses port 5161.
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { alternate, droppingTracerProvider, printMedians, profileArgs } from './alternate.mjs';

const PORT = 5161;
const values = profileArgs();

/** The server side: the logger as `variant` says, then the app, listening on PORT. */
async function serve(variant) {
  const provider = await droppingTracerProvider();
  const { traceIncomingRequests } = await import('../../../packages/chassis/dist/telemetry/server-spans.js');
  traceIncomingRequests(provider.getTracer('@microshop/chassis/http'));
  const { createServer } = await import('../../../packages/chassis/dist/server.js');
  const logLevel = variant === 'off' ? false : variant;
  const app = await createServer({ name: 'product-service', logLevel, docs: false });
  app.get('/api/products/:id', async (request) => ({ id: Number(request.params.id), name: 'Laptop', price: 999.99, stock: 10 }));
  await app.listen({ port: PORT, host: '127.0.0.1' });
  process.stdout.write('listening\n');
}

if (values.serve) {
  await serve(values.serve);
} else {
  const [rounds, duration, connections] = [Number(values.rounds), Number(values.duration), Number(values.connections)];
  const target = { url: `http://127.0.0.1:${PORT}/api/products/7`, method: 'GET' };
  const variants = ['off', 'silent', 'info'];
  const results = await alternate({ script: fileURLToPath(import.meta.url), variants, target, rounds, duration, connections });
  printMedians(`One chassis server, GET /api/products/7, ${connections} connections, ${rounds} rounds of ${duration} s (medians)`, 'logger', results);
}
