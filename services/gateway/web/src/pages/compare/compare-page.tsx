import { useState } from 'react';
import { getSuite, getTopologies } from '../../api/bench';
import type { ApiResult } from '../../api/http';
import type { BenchSuite, TopologyComparison } from '../../api/types';
import { PageHeader } from '../../components/page-header';
import { usePoll } from '../../hooks/use-poll';
import { CompareView } from './compare-view';
import { SuiteView } from './suite-view';

/** The command that makes the comparison this page shows. */
export const COMPARE_COMMAND = 'npm run bench -- --compare-topologies';

/** The command that runs the performance suite this page shows. */
export const SUITE_COMMAND = 'npm run bench';

/** What to show when there is no suite run to draw: none run yet, or the gateway could not give it. */
export function MissingSuite({ answer }: { answer: ApiResult<BenchSuite> }) {
  if (answer.status === 404) {
    return (
      <div className="banner" role="status">
        <p>
          The performance suite has not been run on this machine yet. At the repository root, with nothing else on ports 5000–5011, run <code>{SUITE_COMMAND}</code>; it starts each
          system in turn, measures it, checks the goals, and writes <code>docs/bench/suite.json</code>, which this page reads.
        </p>
      </div>
    );
  }
  return (
    <p className="banner is-error" role="alert">
      The performance suite could not be read: {answer.problem?.detail ?? `status ${answer.status}`}
    </p>
  );
}

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
 * Compare: the latest run of the performance suite (its goals, its pairings, the open loop, memory
 * and start-up), and above all whether the goals hold; then the latest benchmark of the same flows at
 * the same loads in the two topologies one codebase runs as, microservices and the modular monolith.
 * Both as the gateway serves them, read once (a benchmark does not change while you look), and again
 * on demand.
 */
export function ComparePage() {
  const [generation, setGeneration] = useState(0);
  const suite = usePoll((signal) => getSuite(signal), 60_000, String(generation), () => false).value;
  const topologies = usePoll((signal) => getTopologies(signal), 60_000, String(generation), () => false).value;
  return (
    <>
      <PageHeader
        title="Compare"
        lead="What Microshop costs, measured: the performance suite against its goals and against bare-bones references, and the same flows in the two ways this codebase runs."
        actions={
          <button type="button" className="button ghost small" onClick={() => setGeneration((g) => g + 1)} disabled={suite === undefined || topologies === undefined}>
            Reload
          </button>
        }
      />
      <section className="compare-part" id="compare-suite" aria-labelledby="compare-suite-heading">
        <div className="compare-part-head">
          <h2 id="compare-suite-heading">Performance suite</h2>
          <p className="compare-part-lead">Every scenario on every system, paired to show what each part costs, and the goals checked against the figures.</p>
        </div>
        {suite === undefined ? <p className="empty">Loading…</p> : suite.ok && suite.data ? <SuiteView suite={suite.data} /> : <MissingSuite answer={suite} />}
      </section>
      <section className="compare-part" id="compare-topologies" aria-labelledby="compare-topologies-heading">
        <div className="compare-part-head">
          <h2 id="compare-topologies-heading">Microservices and the modular monolith</h2>
          <p className="compare-part-lead">
            The same flows at the same loads, in the two ways this codebase runs: a process per service (microservices) and every module in one process (the modular monolith).
          </p>
        </div>
        {topologies === undefined ? <p className="empty">Loading…</p> : topologies.ok && topologies.data ? <CompareView report={topologies.data} /> : <MissingComparison answer={topologies} />}
      </section>
    </>
  );
}
