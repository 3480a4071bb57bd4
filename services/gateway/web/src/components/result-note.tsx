import type { ReactNode } from 'react';
import type { ApiResult } from '../api/http';
import { formatMs } from '../format';
import { TraceLink } from './trace-link';

export interface ResultNoteProps {
  result: ApiResult<unknown>;
  /** The message when the call succeeded. */
  success: string;
  /** Overrides the message (and `tone` its colour), e.g. for an answer that says "still working". */
  message?: string | undefined;
  tone?: 'ok' | 'error' | 'pending' | undefined;
  /** For tests: what the action came to (`data-outcome`). */
  outcome?: string | undefined;
  /** More, after the request's figures (a link to follow the outcome). */
  children?: ReactNode;
}

/** What an action did, in one line: its outcome, the request, its status and time, and the trace it made. */
export function ResultNote({ result, success, message, tone, outcome, children }: ResultNoteProps) {
  const text = message ?? (result.ok ? success : (result.problem?.detail ?? result.problem?.title ?? 'Failed'));
  const shown = tone ?? (result.ok ? 'ok' : 'error');
  return (
    <p className={`result-note is-${shown}`} role="status" data-outcome={outcome}>
      <span className="result-message">{text}</span>
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
        {children}
      </span>
    </p>
  );
}
