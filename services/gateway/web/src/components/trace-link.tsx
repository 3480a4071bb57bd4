import { Link } from '../router';

/**
 * A trace id as a link that opens the trace; shows the first 8 hex digits, the whole id on hover.
 * `fresh` for a trace just made: the page then waits for its spans instead of calling it missing.
 */
export function TraceLink({ traceId, label = 'trace', fresh = false }: { traceId: string; label?: string; fresh?: boolean }) {
  return (
    <Link to={`/traces/${traceId}`} state={fresh ? { freshTrace: true } : undefined} className="trace-link" title={`Open trace ${traceId}`} aria-label={`Open trace ${traceId}`} data-trace-id={traceId}>
      {label ? <span className="trace-link-label">{label} </span> : null}
      <code>{traceId.slice(0, 8)}</code>
    </Link>
  );
}
