import { SpanStatusCode, type Span } from '@opentelemetry/api';

/** Records a failure on a span: an `exception` event and an error status with its message. */
export function recordFailure(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/**
 * Runs `work` as the work of `span`: `describe` adds what the result says (a status code, a row
 * count), a thrown error is recorded on the span and rethrown, and the span ends either way.
 *
 * @example
 * const span = tracer.startSpan('SELECT users')
 * return endSpanAfter(span, () => connection.executeQuery(query), (result) => span.setAttribute('db.response.returned_rows', result.rows.length))
 */
export async function endSpanAfter<R>(span: Span, work: () => Promise<R>, describe?: (result: R) => void): Promise<R> {
  try {
    const result = await work();
    describe?.(result);
    return result;
  } catch (error) {
    recordFailure(span, error);
    throw error;
  } finally {
    span.end();
  }
}
