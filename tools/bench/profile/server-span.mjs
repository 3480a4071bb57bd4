// What a server span costs one chassis server, by who makes it: one Microshop-shaped Fastify app
// (the chassis' `createServer`, a route with a parameter), with tracing off, with the server spans of
// OpenTelemetry's instrumentation-http (as the preload made them before), and with the chassis' own
// (`traceIncomingRequests`, as it makes them now). Every span is kept and handed to an exporter that
// drops it, so the figures are the making of the span, not its export.
//
//   npm run build && node tools/bench/profile/server-span.mjs [--rounds 5] [--duration 4] [--connections 10]
//
// The variants run in alternation (A B C, then C B A, …; `alternate.mjs`), each in a fresh process
// pinned to CPU 1 and warmed up until its rate levels off (the suite's warm-up); the load stays on
// this process's CPU, pinned to 0 when taskset is there. It prints requests/s and CPU µs per request (the server
// process's, from /proc) for each variant, the median of the rounds, and what each adds to tracing
// off. Uses port 5160.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { droppingTracerProvider, measureProductRoute, profileArgs, serveProductRoute } from './alternate.mjs';

const PORT = 5160;
const values = profileArgs();

/** The server side: tracing set up as `variant` says, then the app, listening on PORT. */
async function serve(variant) {
  if (variant !== 'off') {
    const provider = await droppingTracerProvider();
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
  await serveProductRoute(PORT, { logLevel: false });
}

if (values.serve) {
  await serve(values.serve);
} else {
  const [rounds, duration, connections] = [Number(values.rounds), Number(values.duration), Number(values.connections)];
  const variants = ['off', 'instrumentation-http', 'chassis'];
  await measureProductRoute({ script: fileURLToPath(import.meta.url), port: PORT, variants, heading: 'server spans', rounds, duration, connections });
}
