import { useState } from 'react';
import type { ApiResult } from '../../api/http';
import { getTrace, listTraces } from '../../api/traces';
import type { Trace } from '../../api/types';
import { Card } from '../../components/card';
import { PageHeader } from '../../components/page-header';
import { ServiceTag } from '../../components/service-tag';
import { StatusBadge } from '../../components/status';
import { formatMs, formatTime } from '../../format';
import { usePoll } from '../../hooks/use-poll';
import { Link, navigationState } from '../../router';
import { Waterfall } from './waterfall';

/** Spans reach the gateway a moment after the request ends: the page asks again this often while the trace grows. */
const REFRESH_MS = 1000;
/** Answers in a row with the same spans after which the trace counts as complete and the page stops asking. */
const STABLE_AFTER = 3;
/** How many times a page opened on a fresh trace looks for it in the list before asking for it by id. */
const WAIT_TRIES = 10;
/** How many recent traces that look covers. */
const RECENT = 200;

/** What the page has: nothing yet (a fresh trace not arrived), or the gateway's answer for the id. */
type Loaded = { kind: 'waiting' } | { kind: 'answer'; result: ApiResult<Trace> };

/**
 * One trace: its summary and its waterfall. A trace opened right after the request that made it
 * (from the shop's links) is first looked for among the recent traces until its spans have arrived,
 * then read by id and read again until its spans stop arriving.
 */
export function TracePage({ traceId }: { traceId: string }) {
  const [state] = useState(() => ({ arrived: navigationState().freshTrace !== true, waits: 0, lastCount: -1, stable: 0, done: undefined as Loaded | undefined }));
  const polled = usePoll(async (signal): Promise<Loaded> => {
    if (state.done) return state.done;
    if (!state.arrived) {
      const recent = await listTraces({ limit: RECENT }, signal);
      state.waits++;
      if (!recent.data?.some((t) => t.trace_id === traceId) && state.waits < WAIT_TRIES) return { kind: 'waiting' };
      state.arrived = true;
    }
    const result = await getTrace(traceId, signal);
    const count = result.data?.span_count ?? -1;
    state.stable = result.ok && count === state.lastCount ? state.stable + 1 : 0;
    state.lastCount = count;
    const loaded: Loaded = { kind: 'answer', result };
    if (!result.ok || state.stable >= STABLE_AFTER) state.done = loaded;
    return loaded;
  }, REFRESH_MS);
  const result = polled.value?.kind === 'answer' ? polled.value.result : undefined;
  const trace = result?.data;
  const waiting = !polled.value || polled.value.kind === 'waiting';

  return (
    <>
      <PageHeader
        title={trace ? trace.root_name : 'Trace'}
        lead={
          <>
            <Link to="/traces">← All traces</Link> · trace <code className="trace-id">{traceId}</code>
          </>
        }
        actions={trace ? <StatusBadge status={trace.status === 'error' ? 'down' : 'ok'} label={trace.status === 'error' ? `${trace.error_count} failed span${trace.error_count === 1 ? '' : 's'}` : 'No errors'} /> : null}
      />
      {waiting ? (
        <p className="banner" role="status">
          Waiting for this trace's spans to reach the gateway…
        </p>
      ) : null}
      {!trace && result && !waiting ? (
        <p className="banner is-error" role="alert">
          {result.status === 404
            ? 'The gateway has no trace with this id: it keeps only the most recent traces, and this one may have been dropped, or was never recorded.'
            : `The trace could not be loaded: ${result.problem?.detail ?? `status ${result.status}`}`}
        </p>
      ) : null}
      {trace ? (
        <>
          <dl className="trace-summary">
            <div>
              <dt>Duration</dt>
              <dd>{formatMs(trace.duration_ms)}</dd>
            </div>
            <div>
              <dt>Spans</dt>
              <dd>
                {trace.span_count}
                {trace.dropped_spans ? <small> (+{trace.dropped_spans} dropped)</small> : null}
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{formatTime(trace.start)}</dd>
            </div>
            <div className="wide">
              <dt>Services</dt>
              <dd className="tag-list">
                {trace.services.map((s) => (
                  <ServiceTag key={s} name={s} />
                ))}
              </dd>
            </div>
          </dl>
          <Card id="waterfall" title="Waterfall" subtitle="Open a span for its attributes and events">
            <Waterfall trace={trace} />
          </Card>
        </>
      ) : null}
    </>
  );
}
