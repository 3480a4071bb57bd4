import type { LoggerOptions } from 'pino';

/**
 * pino options shared by every service: JSON lines with the service name, and credentials
 * redacted wherever they appear in a logged request.
 */
export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service, pid: process.pid },
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-service-token"]', 'headers["x-service-token"]'],
      censor: '[redacted]',
    },
  };
}
