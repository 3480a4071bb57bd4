import { context, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { recordFailure } from './span-outcome.js';

/**
 * Gives the request's server span its route: the chassis' server span (`traceIncomingRequests`, or
 * for an in-process call the in-process target) is then named `GET /api/products/:id` and gets
 * `http.route` when the response ends. Without the telemetry preload there is no server span, and
 * this does nothing.
 *
 * @example
 * app.addHook('onRequest', (request, _reply, done) => { nameServerSpan(request.routeOptions.url); done() })
 */
export function nameServerSpan(route: string | undefined): void {
  if (route === undefined) return;
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type === RPCType.HTTP) metadata.route = route;
}

/**
 * Records an error a handler threw on the request's server span: an `exception` event and an error
 * status, whatever status code it is answered with (a `422` problem included), so that the trace
 * shows where a request was refused and why.
 */
export function recordThrown(error: Error): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) recordFailure(span, error);
}
