import { pino, type Logger, type LoggerOptions } from 'pino';
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

/** A pino logger with the shared options, for work outside a request (discovery, background jobs). */
export function createLogger(service: string, level: string): Logger {
  return pino(loggerOptions(service, level));
}
