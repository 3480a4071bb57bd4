import { ratioText } from './compare-model';
import type { RatioBar } from './suite-model';

const WIDTH = 420;
const LEFT = 92;
const RIGHT = 52;
const BAR = 16;
const GAP = 8;
const TOP = 18;

/**
 * One horizontal bar per pairing, its throughput ratio (subject / baseline requests per second),
 * with a dashed line at 1×: a bar short of the line, the subject answered fewer. Plain SVG that
 * scales with its container (a viewBox), no script, no inline style.
 */
export function RatioBars({ bars, title }: { bars: readonly RatioBar[]; title: string }) {
  const max = Math.max(1.2, ...bars.map((bar) => (bar.ratio ?? 0) * 1.05));
  const scale = (ratio: number) => ((WIDTH - LEFT - RIGHT) * ratio) / max;
  const height = TOP + bars.length * (BAR + GAP);
  const one = LEFT + scale(1);
  const summary = bars.map((bar) => `${bar.label} (${bar.detail}): ${ratioText(bar.ratio)}`).join('; ');
  return (
    <figure className="compare-chart" data-chart="pairing-ratios">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-label={`${title}. ${summary}`} className="compare-chart-svg">
        {bars.map((bar, i) => {
          const y = TOP + i * (BAR + GAP);
          const w = bar.ratio === null ? 0 : scale(bar.ratio);
          return (
            <g key={bar.key} data-pairing={bar.key}>
              <text x={LEFT - 8} y={y + BAR - 4} textAnchor="end" className="compare-chart-label">
                {bar.label}
              </text>
              <rect x={LEFT} y={y} width={w.toFixed(1)} height={BAR} rx={2} className="suite-ratio-bar">
                <title>{`${bar.detail}: ${ratioText(bar.ratio)} the requests per second`}</title>
              </rect>
              <text x={(LEFT + Math.max(w, one - LEFT) + 6).toFixed(1)} y={y + BAR - 4} className="compare-chart-value">
                {ratioText(bar.ratio)}
              </text>
            </g>
          );
        })}
        <line x1={one.toFixed(1)} x2={one.toFixed(1)} y1={TOP - 6} y2={height - GAP / 2} className="suite-ratio-one" />
        <text x={one.toFixed(1)} y={TOP - 9} textAnchor="middle" className="compare-chart-value">
          1×
        </text>
      </svg>
    </figure>
  );
}
