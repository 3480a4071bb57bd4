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

/** A pino logger with the shared options, for work outside a request (discovery, background jobs). */
export function createLogger(service: string, level: string): Logger {
  return pino(loggerOptions(service, level), logDestination());
}
