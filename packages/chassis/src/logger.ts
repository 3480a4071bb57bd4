import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { serviceInstanceId } from './telemetry/instance.js';
import { traceFields } from './telemetry/trace-context.js';

/**
 * pino options shared by every service: JSON lines with the service name and instance, the
 * `trace_id` and `span_id` of the request being served (when tracing is on), and credentials
 * redacted wherever they appear in a logged request.
 */
export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service, instance: serviceInstanceId(), pid: process.pid },
    // Every line written while a span is active (inside a request) names its trace and span.
    mixin: traceFields,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-service-token"]', 'headers["x-service-token"]'],
      censor: '[redacted]',
    },
  };
}

/**
 * Fastify's request log, one line per request instead of two: no "incoming request" line, and the
 * "request completed" (or "request errored") line names the request's method and URL besides its
 * status and duration (and, through the logger's mixin, its trace). In a chain of four processes
 * that is four lines fewer per order, on every process's hot path. What it gives up: a request that
 * never ends is not in the log; its open span and the in-flight gauge still show it. Fastify's other
 * lines (errors, a route not found, a stream cut short) are unchanged. ADR 0020.
 *
 * @example
 * fastify({ logController: new OneLinePerRequest({ requestIdLogLabel: 'request_id' }), … })
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Bytes of log lines gathered before they are written in one go: a dozen request lines or so. */
const GATHERED_BYTES = 4096;

/** The longest a line waits to be written when the process is quiet. */
const FLUSH_EVERY_MS = 200;

let stdout: DestinationStream | undefined;

/**
 * Standard output, shared by every logger of the process. Lines are gathered and written a few
 * kilobytes at a time (and at least every {@link FLUSH_EVERY_MS} ms), in the background, rather than
 * with one blocking system call each: at info level, writing the request lines was most of what
 * logging cost a request. What is still gathered when the process exits is written before it ends.
 */
export function logDestination(): DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: false, minLength: GATHERED_BYTES, periodicFlush: FLUSH_EVERY_MS });
  return stdout;
}

/**
 * Writes the lines still gathered, in the background, before a process exits: resolves once they
 * are written, once the output turns out to be gone, or after `timeoutMs`, whichever comes first.
 *
 * Without it, pino writes them synchronously at exit, and sonic-boom retries a synchronous write
 * that fails with anything but EAGAIN forever: a process whose standard output was a pipe to a
 * supervisor that has been killed (EPIPE) would hang in its exit, in an `Atomics.wait` that no timer
 * can interrupt. Written in the background, the same EPIPE makes pino drop the destination's writes,
 * and the exit has nothing left to write.
 *
 * @example
 * await flushLogs(); process.exit(0)
 */
export function flushLogs(timeoutMs = 1000): Promise<void> {
  const destination = stdout as (DestinationStream & { flush?: (done: (error?: Error) => void) => void }) | undefined;
  if (typeof destination?.flush !== 'function') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    try {
      destination.flush?.(done);
    } catch {
      done();
    }
  });
}

/** A pino logger with the shared options, for work outside a request (discovery, background jobs). */
export function createLogger(service: string, level: string): Logger {
  return pino(loggerOptions(service, level), logDestination());
}
