import { TOPOLOGY_COLOURS, TOPOLOGY_LABELS, TOPOLOGY_ORDER, type BarChartData } from './compare-model';

const WIDTH = 420;
const LEFT = 92;
const RIGHT = 74;
const BAR = 14;
const GAP = 2;
const GROUP_GAP = 12;
const TOP = 4;

/**
 * Grouped horizontal bars as plain SVG: per scenario, one bar per topology (microservices above the
 * monolith), each with its value. Scales with its container (a viewBox), no script, no inline style.
 */
export function TopologyBars({ chart }: { chart: BarChartData }) {
  const max = Math.max(1, ...chart.groups.flatMap((g) => TOPOLOGY_ORDER.map((t) => g.values[t])));
  const groupHeight = TOPOLOGY_ORDER.length * (BAR + GAP) - GAP;
  const height = TOP + chart.groups.length * (groupHeight + GROUP_GAP);
  const summary = chart.groups.map((g) => `${g.label}: ${TOPOLOGY_ORDER.map((t) => `${TOPOLOGY_LABELS[t]} ${g.values[t].toFixed(chart.digits)} ${chart.unit}`).join(', ')}`).join('; ');
  return (
    <figure className="compare-chart" data-chart={chart.id}>
      <figcaption>{chart.title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${chart.title}. ${summary}`} className="compare-chart-svg">
        {chart.groups.map((group, i) => {
          const y = TOP + i * (groupHeight + GROUP_GAP);
          return (
            <g key={group.label}>
              <text x={LEFT - 8} y={y + groupHeight / 2 + 4} textAnchor="end" className="compare-chart-label">
                {group.label}
              </text>
              {TOPOLOGY_ORDER.map((topology, j) => {
                const value = group.values[topology];
                const w = ((WIDTH - LEFT - RIGHT) * value) / max;
                const by = y + j * (BAR + GAP);
                return (
                  <g key={topology} data-topology={topology}>
                    <rect x={LEFT} y={by} width={Math.max(0, w).toFixed(1)} height={BAR} rx={2} fill={TOPOLOGY_COLOURS[topology]}>
                      <title>{`${TOPOLOGY_LABELS[topology]}: ${value.toFixed(chart.digits)} ${chart.unit}`}</title>
                    </rect>
                    <text x={(LEFT + w + 6).toFixed(1)} y={by + BAR - 3} className="compare-chart-value">
                      {`${value.toFixed(chart.digits)} ${chart.unit}`}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** The key to the bars' colours. */
export function TopologyLegend() {
  return (
    <ul className="compare-legend" aria-label="Topologies">
      {TOPOLOGY_ORDER.map((topology) => (
        <li key={topology}>
          <svg width="12" height="12" aria-hidden="true">
            <rect width="12" height="12" rx="2" fill={TOPOLOGY_COLOURS[topology]} />
          </svg>
          {TOPOLOGY_LABELS[topology]}
        </li>
      ))}
    </ul>
  );
}
