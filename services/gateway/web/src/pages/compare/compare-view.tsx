import type { TopologyComparison } from '../../api/types';
import { Card } from '../../components/card';
import { DataTable, type Column } from '../../components/data-table';
import { byScenario, chartsOf, figureRows, loadHeading, loadText, readingOf, runDuration, TOPOLOGY_LABELS, type FigureRow } from './compare-model';
import { TopologyBars, TopologyLegend } from './topology-bars';

const COLUMNS: readonly Column<FigureRow>[] = [
  { header: 'Topology', cell: (row) => (row.kind === 'ratio' ? <strong>{row.label}</strong> : row.label) },
  { header: 'req/s', cell: (row) => row.requestsPerS, numeric: true },
  { header: 'p50 ms', cell: (row) => row.p50, numeric: true },
  { header: 'p99 ms', cell: (row) => row.p99, numeric: true },
  { header: 'CPU ms/req', cell: (row) => row.cpuMsPerRequest, numeric: true },
  { header: 'CPU', cell: (row) => row.cpuPercent, numeric: true, className: 'hide-narrow' },
  { header: 'RSS MiB', cell: (row) => row.rssMiB, numeric: true },
  { header: 'Errors', cell: (row) => row.errors, numeric: true, className: 'hide-narrow' },
];

/** The open loop's table has one more column: requests the generator did not send because the system was behind. */
const OPEN_COLUMNS: readonly Column<FigureRow>[] = [...COLUMNS, { header: 'Not sent', cell: (row) => row.unsent, numeric: true, className: 'hide-narrow' }];

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short', hour12: false });

/**
 * The latest topology comparison: what the ratio means, how it was measured (the command, when, on
 * what), the charts, and a table per scenario. Only props: the page fetches, this draws.
 */
export function CompareView({ report }: { report: TopologyComparison }) {
  const scenarios = byScenario(report);
  const charts = chartsOf(report);
  const { settings, machine } = report;
  return (
    <div className="compare">
      <Card id="compare-meaning" title="What the ratio means">
        <div className="compare-prose">
          <p>
            Both topologies run the same code: the same routes, the same domain functions, the same queries, a database per module. Only the way one module
            reaches another differs. In the microservices, Order asking User for a user is an HTTP request over loopback to another process: a socket, HTTP
            framing on both sides, a second event loop, each process with its own runtime, health checks and heartbeats. In the modular monolith, the same
            client call is handed to the User module inside the process: no socket and no HTTP parsing (the JSON is still written and read).
          </p>
          <p>
            So <strong>monolith / microservices</strong> is the price of the network hop and its serialisation, and of running several processes instead of
            one, not of the code. Above 1× for requests per second, the monolith served more; below 1× for latency, CPU per request or memory, it answered
            sooner or spent less. It holds for this machine and these loads: on one machine the network is loopback, between machines a hop costs more, and
            separate processes can use cores a single Node.js process cannot.
          </p>
        </div>
      </Card>

      <Card id="compare-run" title="How it was measured">
        <dl className="compare-facts">
          <div>
            <dt>Command</dt>
            <dd>
              <code className="compare-command">{report.command}</code>
            </dd>
          </div>
          <div>
            <dt>When</dt>
            <dd>
              <time dateTime={report.started_at}>{when(report.started_at)}</time>, for {runDuration(report)}
            </dd>
          </div>
          <div>
            <dt>Each figure</dt>
            <dd>
              the median of {settings.rounds} round{settings.rounds === 1 ? '' : 's'} of {settings.duration_s} s after {settings.warmup_s} s of warm-up, each topology on a freshly started
              system, in alternation (microservices then monolith, then the other way round)
            </dd>
          </div>
          <div>
            <dt>Loads</dt>
            <dd>
              closed loop on {settings.connections} connections (each sends its next request when the last is answered)
              {settings.rate_per_s === null ? '' : `; open loop at ${settings.rate_per_s} requests per second offered, whether or not earlier ones were answered`}
            </dd>
          </div>
          <div>
            <dt>Machine</dt>
            <dd>
              {machine.cpus} CPU{machine.cpus === 1 ? '' : 's'}, Node.js {machine.node}
              {machine.pinned ? '; the system pinned to one CPU, the load generator to another' : '; the system and the load generator sharing the CPUs'}. CPU and memory
              are summed over every process of the system; CPU per request counts until the system has settled after the load, so the events the requests set
              off are in it.
            </dd>
          </div>
          {report.topologies.map((topology) => (
            <div key={topology.name}>
              <dt>{TOPOLOGY_LABELS[topology.name]}</dt>
              <dd>
                <code>{topology.start}</code>: {topology.description}
              </dd>
            </div>
          ))}
        </dl>
      </Card>

      {charts.length > 0 ? (
        <Card id="compare-charts" title="Side by side" actions={<TopologyLegend />}>
          <div className="compare-charts">
            {charts.map((chart) => (
              <TopologyBars key={chart.id} chart={chart} />
            ))}
          </div>
        </Card>
      ) : null}

      {scenarios.map((group) => (
        <Card key={group.scenario} id={`compare-${group.scenario}`} className="compare-scenario" title={group.scenario} subtitle={group.description}>
          {group.results.map((result) => (
            <section key={result.load.mode} className="compare-load" aria-label={`${group.scenario}, ${loadText(result.load)}`}>
              <h3 className="compare-load-title">{loadHeading(result.load)}</h3>
              <DataTable
                label={`${group.scenario}, ${loadText(result.load)}: both topologies and their ratio`}
                columns={result.load.mode === 'open' ? OPEN_COLUMNS : COLUMNS}
                rows={figureRows([result])}
                rowKey={(row) => row.key}
                rowProps={(row) => ({ 'data-row': row.key, className: row.kind === 'ratio' ? 'compare-ratio-row' : '' })}
                empty="No figures."
              />
              <p className="compare-reading">{readingOf(result)}</p>
            </section>
          ))}
        </Card>
      ))}
    </div>
  );
}
