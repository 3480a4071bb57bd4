import { useState } from 'react';
import { getTopologies } from '../../api/bench';
import type { ApiResult } from '../../api/http';
import type { TopologyComparison } from '../../api/types';
import { PageHeader } from '../../components/page-header';
import { usePoll } from '../../hooks/use-poll';
import { CompareView } from './compare-view';

/** The command that makes the comparison this page shows. */
export const COMPARE_COMMAND = 'npm run bench -- --compare-topologies';

/** What to show when there is no comparison to draw: none run yet, or the gateway could not give it. */
export function MissingComparison({ answer }: { answer: ApiResult<TopologyComparison> }) {
  if (answer.status === 404) {
    return (
      <div className="banner" role="status">
        <p>
          No comparison has been run on this machine yet. At the repository root, with nothing else on ports 5000–5011, run <code>{COMPARE_COMMAND}</code> (add{' '}
          <code>--duration 5 --warmup 2 --rounds 2</code> for a run of about ten minutes); it starts each topology in turn, measures it, and writes{' '}
          <code>docs/bench/topologies.json</code>, which this page reads.
        </p>
      </div>
    );
  }
  return (
    <p className="banner is-error" role="alert">
      The comparison could not be read: {answer.problem?.detail ?? `status ${answer.status}`}
    </p>
  );
}

/**
 * Compare: the latest benchmark of the same flows at the same loads in the two topologies one
 * codebase runs as, microservices and the modular monolith, as the gateway serves it. Read once (a
 * benchmark does not change while you look), and again on demand.
 */
export function ComparePage() {
  const [generation, setGeneration] = useState(0);
  const loaded = usePoll((signal) => getTopologies(signal), 60_000, String(generation), () => false);
  const answer = loaded.value;
  return (
    <>
      <PageHeader
        title="Compare"
        lead="The same flows at the same loads, in the two ways this codebase runs: a process per service (microservices) and every module in one process (the modular monolith)."
        actions={
          <button type="button" className="button ghost small" onClick={() => setGeneration((g) => g + 1)} disabled={answer === undefined}>
            Reload
          </button>
        }
      />
      {answer === undefined ? <p className="empty">Loading…</p> : answer.ok && answer.data ? <CompareView report={answer.data} /> : <MissingComparison answer={answer} />}
    </>
  );
}
