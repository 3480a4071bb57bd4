import type { BenchSuite } from '../../api/types';
import { Card } from '../../components/card';
import { DataTable, type Column } from '../../components/data-table';
import { runDuration } from './compare-model';
import { RatioBars } from './ratio-bars';
import {
  gatewayCost,
  goalRows,
  goalTally,
  memoryView,
  openLoopRows,
  pairingRows,
  ratioBars,
  startupRows,
  VERDICT_LABELS,
  VERDICT_MARKS,
  type GoalRow,
  type MemoryRow,
  type OpenLoopRow,
  type PairingRow,
  type StartupRow,
} from './suite-model';

/** The verdict comes right after the goal's number: on a phone's width it stays in view. */
const GOAL_COLUMNS: readonly Column<GoalRow>[] = [
  { header: 'Goal', cell: (row) => <strong>{row.id}</strong> },
  {
    header: 'Met',
    cell: (row) => (
      <span className={`suite-verdict is-${row.verdict}`}>
        <span aria-hidden="true">{VERDICT_MARKS[row.verdict]}</span> {VERDICT_LABELS[row.verdict]}
      </span>
    ),
  },
  { header: 'What', cell: (row) => row.goal },
  { header: 'Measured', cell: (row) => row.measured, numeric: true, cellClassName: 'suite-nowrap' },
  { header: 'Target', cell: (row) => row.target, numeric: true, cellClassName: 'suite-nowrap' },
  { header: 'Evidence', cell: (row) => row.evidence, cellClassName: 'muted small' },
];

/** A side of a pairing: its label, and the system and scenario it stands for. */
const side = (label: string, detail: string) => (
  <>
    {label}
    <span className="suite-sub">{detail}</span>
  </>
);

const PAIRING_COLUMNS: readonly Column<PairingRow>[] = [
  { header: 'Question', cell: (row) => side(row.question, `${row.name} · ${row.scenario}`) },
  { header: 'Baseline', cell: (row) => side(row.baseline.label, row.baseline.system) },
  { header: 'Subject', cell: (row) => side(row.subject.label, row.subject.system) },
  { header: 'req/s', cell: (row) => row.requestsPerS, numeric: true, cellClassName: 'suite-nowrap' },
  { header: 'Ratio', cell: (row) => <strong>{row.ratio}</strong>, numeric: true },
  { header: 'p50 ms', cell: (row) => row.p50, numeric: true, cellClassName: 'suite-nowrap' },
  { header: 'p99 ms', cell: (row) => row.p99, numeric: true, cellClassName: 'suite-nowrap' },
  { header: 'CPU ms/req', cell: (row) => row.cpuMsPerRequest, numeric: true, cellClassName: 'suite-nowrap' },
  {
    header: 'Errors',
    // A side that answered errors has a rate of refusals: its ratio is no measure of cost, and its goal is not met.
    cell: (row) => (row.erred ? <strong title="A side answered errors: this ratio is no measure of cost">{row.errors}</strong> : row.errors),
    numeric: true,
    className: 'hide-narrow',
    cellClassName: 'suite-nowrap',
  },
];

const OPEN_LOOP_COLUMNS: readonly Column<OpenLoopRow>[] = [
  { header: 'System', cell: (row) => row.system },
  { header: 'Scenario', cell: (row) => row.scenario },
  { header: 'Share', cell: (row) => row.share, numeric: true },
  { header: 'Rate', cell: (row) => row.rate, numeric: true },
  { header: 'req/s', cell: (row) => row.requestsPerS, numeric: true },
  { header: 'p50 ms', cell: (row) => row.p50, numeric: true },
  { header: 'p90 ms', cell: (row) => row.p90, numeric: true, className: 'hide-narrow' },
  { header: 'p99 ms', cell: (row) => row.p99, numeric: true },
  { header: 'p99.9 ms', cell: (row) => row.p999, numeric: true },
  { header: 'Errors', cell: (row) => row.errors, numeric: true, className: 'hide-narrow' },
  { header: 'Not sent', cell: (row) => row.unsent, numeric: true },
];

const MEMORY_COLUMNS: readonly Column<MemoryRow>[] = [
  { header: 'Process', cell: (row) => (row.total ? <strong>{row.label}</strong> : row.label) },
  { header: 'RSS MiB', cell: (row) => (row.total ? <strong>{row.rssMiB}</strong> : row.rssMiB), numeric: true },
  { header: 'V8 heap MiB', cell: (row) => row.heapCommittedMiB, numeric: true },
  { header: 'of it in use', cell: (row) => row.heapUsedMiB, numeric: true, className: 'hide-narrow' },
];

const STARTUP_COLUMNS: readonly Column<StartupRow>[] = [
  { header: 'System', cell: (row) => row.system },
  { header: 'Median', cell: (row) => row.median, numeric: true },
  { header: 'Each start', cell: (row) => row.all, cellClassName: 'muted' },
];

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short', hour12: false });

/**
 * The latest run of the performance suite: the goals first (which hold and which do not), then the
 * pairings with their throughput ratios, the open-loop runs, the gateway at no load, memory and
 * start-up, and how it was measured. Only props: the page fetches, this draws.
 */
export function SuiteView({ suite }: { suite: BenchSuite }) {
  const tally = goalTally(suite);
  const pairings = pairingRows(suite);
  const openLoop = openLoopRows(suite);
  const gateway = gatewayCost(suite);
  const memory = memoryView(suite);
  const { settings, machine } = suite;
  return (
    <div className="compare">
      <Card
        id="suite-goals"
        title="Goals"
        subtitle={tally.sentence}
        actions={<span className={`suite-tally ${tally.met === tally.total ? 'is-met' : 'is-missed'}`}>{`${tally.met} / ${tally.total} met`}</span>}
      >
        <DataTable
          label="The performance goals, and whether this run met them"
          columns={GOAL_COLUMNS}
          rows={goalRows(suite)}
          rowKey={(row) => row.key}
          rowProps={(row) => ({ 'data-goal': row.id, 'data-verdict': row.verdict, className: `suite-goal is-${row.verdict}` })}
          empty="The run checked no goals."
        />
      </Card>

      <Card id="suite-pairings" title="Pairings" subtitle="Two measurements side by side, closed loop: what the subject costs against its baseline. Each figure reads baseline → subject; the ratio is subject / baseline requests per second.">
        {pairings.length > 0 ? (
          <div className="suite-ratios">
            <RatioBars bars={ratioBars(suite)} title={`Requests per second, subject / baseline (${settings.connections} connections): at 1×, the subject costs nothing`} />
          </div>
        ) : null}
        <DataTable label="The pairings: baseline and subject figures, and the throughput ratio" columns={PAIRING_COLUMNS} rows={pairings} rowKey={(row) => row.key} rowProps={(row) => ({ 'data-pairing': row.key })} empty="No pairings in this run." />
      </Card>

      <Card id="suite-open-loop" title="Open loop" subtitle="Requests on a fixed schedule, at a share of the closed-loop maximum of the same system and scenario; latency counted from each request's due time.">
        <DataTable
          label="Open-loop runs: offered rate, answered rate and latency percentiles"
          columns={OPEN_LOOP_COLUMNS}
          rows={openLoop}
          rowKey={(row) => row.key}
          rowProps={(row) => ({ 'data-behind': String(row.behind), className: row.behind ? 'suite-behind' : '' })}
          empty="No open-loop runs in this run."
        />
        {openLoop.some((row) => row.behind) ? (
          <p className="compare-reading">Highlighted: the system fell behind the rate (requests not sent, or under 95 % answered), so its latency is that of a queue, not of the rate.</p>
        ) : null}
      </Card>

      <div className="suite-grid">
        <Card id="suite-gateway" title="The gateway at no load" subtitle={gateway ? `GET product, ${gateway.requests} requests each way, one at a time on one keep-alive connection, interleaved` : undefined}>
          {gateway ? (
            <dl className="compare-facts">
              <div>
                <dt>Direct p50</dt>
                <dd>{gateway.direct}</dd>
              </div>
              <div>
                <dt>Gateway p50</dt>
                <dd>{gateway.gateway}</dd>
              </div>
              <div>
                <dt>Added</dt>
                <dd>
                  <strong>{gateway.added}</strong>
                </dd>
              </div>
            </dl>
          ) : (
            <p className="empty">Not measured in this run.</p>
          )}
        </Card>

        <Card id="suite-memory" title="Memory after the mixed load" subtitle={memory ? `Resident memory of each process after ${memory.loadS} s of ${memory.scenario}, and the part of it V8 holds for the heap, with what objects fill of that (live or not yet collected); the rest is Node's own code, mapped by every process, and native memory` : undefined}>
          {memory ? (
            <DataTable label="Resident memory per process after the mixed load" columns={MEMORY_COLUMNS} rows={memory.rows} rowKey={(row) => row.key} rowProps={(row) => ({ className: row.total ? 'compare-ratio-row' : '' })} empty="No processes." />
          ) : (
            <p className="empty">Not measured in this run.</p>
          )}
        </Card>

        <Card id="suite-startup" title="Start-up" subtitle="From spawning the first process to every process healthy">
          <DataTable label="Start-up time per system" columns={STARTUP_COLUMNS} rows={startupRows(suite)} rowKey={(row) => row.key} empty="No systems." />
        </Card>
      </div>

      <Card id="suite-run" title="How it was measured">
        <dl className="compare-facts">
          <div>
            <dt>Command</dt>
            <dd>
              <code className="compare-command">{suite.command}</code>
            </dd>
          </div>
          <div>
            <dt>When</dt>
            <dd>
              <time dateTime={suite.started_at}>{when(suite.started_at)}</time>, for {runDuration(suite)}
            </dd>
          </div>
          <div>
            <dt>Each figure</dt>
            <dd>
              closed loop on {settings.connections} connections, the median of {settings.rounds} round{settings.rounds === 1 ? '' : 's'} of {settings.duration_s} s after {settings.warmup_s} s of
              warm-up; CPU per request counts every process of the system during the measured seconds
            </dd>
          </div>
          <div>
            <dt>Memory</dt>
            <dd>resident memory of every process after {settings.memory_load_s} s of the mixed load</dd>
          </div>
          <div>
            <dt>Machine</dt>
            <dd>
              {machine.cpus} CPU{machine.cpus === 1 ? '' : 's'}, Node.js {machine.node}
              {machine.pinned ? '; the system pinned to one CPU, the load generator and the supervisor to another' : '; the system and the load generator sharing the CPUs'}
            </dd>
          </div>
          {suite.systems.map((system) => (
            <div key={system.name}>
              <dt>{system.name}</dt>
              <dd>
                <code>{system.start}</code>: {system.description}
              </dd>
            </div>
          ))}
        </dl>
      </Card>
    </div>
  );
}
