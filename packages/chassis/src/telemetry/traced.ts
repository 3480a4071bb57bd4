import { SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { AppError } from '../errors.js';

/** What a traced step may add to its span: attributes known only once the work is done. */
export interface TracedStep {
  setAttribute(key: string, value: string | number | boolean): void;
}

const tracer = trace.getTracer('@microshop/chassis');

/** A client error (4xx AppError) is an answer, not a failure of the step; anything else is. */
function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  if (!(error instanceof AppError && error.status < 500)) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Runs one domain step inside a span of its own, so a trace shows it (with the database and HTTP
 * spans it causes as children). Works for synchronous and async steps; an error is recorded on the
 * span and rethrown. With tracing off it simply runs `step`. Domain code uses this rather than
 * OpenTelemetry's API.
 *
 * @example
 * const total = traced('order.price', (span) => { const cents = price * qty; span.setAttribute('order.total_cents', cents); return cents }, { 'order.quantity': qty })
 */
export function traced<T>(name: string, step: (span: TracedStep) => T, attributes: Record<string, string | number | boolean> = {}): T {
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    let result: T;
    try {
      result = step(span);
    } catch (error) {
      fail(span, error);
      span.end();
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          fail(span, error);
          span.end();
          throw error;
        },
      ) as T;
    }
    span.end();
    return result;
  });
}
