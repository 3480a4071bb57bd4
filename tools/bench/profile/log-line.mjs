// What logging costs one chassis server per request, by level: one Microshop-shaped Fastify app
// (the chassis' `createServer`, a route with a parameter, the chassis' server spans kept and
// dropped), with Fastify's logger off, at `silent`, and at `info` (one line per request, written to
// standard output, which this script reads and drops, as the supervisor reads a service's).
//
//   npm run build && node tools/bench/profile/log-line.mjs [--rounds 5] [--duration 4] [--connections 10]
//
// The variants run in alternation (`alternate.mjs`), each in a fresh process pinned to CPU 1 and
// warmed up until its rate levels off. It prints requests/s and CPU µs per request of the server
// process, the median of the rounds, and what each adds to the logger off. Uses port 5163.
import { fileURLToPath } from 'node:url';
import { droppingTracerProvider, measureProductRoute, profileArgs, serveProductRoute } from './alternate.mjs';

const PORT = 5163;
const values = profileArgs();

/** The server side: the logger as `variant` says, then the app, listening on PORT. */
async function serve(variant) {
  const provider = await droppingTracerProvider();
  const { traceIncomingRequests } = await import('../../../packages/chassis/dist/telemetry/server-spans.js');
  traceIncomingRequests(provider.getTracer('@microshop/chassis/http'));
  await serveProductRoute(PORT, { logLevel: variant === 'off' ? false : variant });
}

if (values.serve) {
  await serve(values.serve);
} else {
  const [rounds, duration, connections] = [Number(values.rounds), Number(values.duration), Number(values.connections)];
  await measureProductRoute({ script: fileURLToPath(import.meta.url), port: PORT, variants: ['off', 'silent', 'info'], heading: 'logger', rounds, duration, connections });
}
