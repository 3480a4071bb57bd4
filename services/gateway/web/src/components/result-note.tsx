import type { ApiResult } from '../api/http';
import { formatMs } from '../format';
import { TraceLink } from './trace-link';

/** What an action did, in one line: its outcome, the request, its status and time, and the trace it made. */
export function ResultNote({ result, success }: { result: ApiResult<unknown>; success: string }) {
  const message = result.ok ? success : result.problem?.detail ?? result.problem?.title ?? 'Failed';
  return (
    <p className={`result-note ${result.ok ? 'is-ok' : 'is-error'}`} role="status">
      <span className="result-message">{message}</span>
      <span className="result-meta">
        <code>
          {result.method} {result.path.split('?')[0]}
        </code>{' '}
        → {result.status || 'no answer'} in {formatMs(result.durationMs)}
        {result.traceId ? (
          <>
            {' · '}
            <TraceLink traceId={result.traceId} fresh />
          </>
        ) : null}
      </span>
    </p>
  );
}
