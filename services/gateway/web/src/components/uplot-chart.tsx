import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line of a chart. */
export interface ChartSeries {
  label: string;
  /** A CSS colour. */
  color: string;
  /** Fill under the line (for a single, rate-like series). */
  fill?: boolean;
  /** Dashed line (for a secondary series). */
  dash?: boolean;
}

export interface UPlotChartProps {
  /** Unix seconds, oldest first. */
  time: readonly number[];
  /** One column per series, the same length as `time`; null where there is no value. */
  columns: readonly (readonly (number | null)[])[];
  series: readonly ChartSeries[];
  /** The unit shown on the y axis values, e.g. "/s" or " ms". */
  unit: string;
  height?: number;
  /** The y axis reaches at least this high, so that an idle chart reads 0 on a sensible scale. */
  minMax?: number;
  /** Accessible name of the chart. */
  label: string;
}

const AXIS = { stroke: '#5b6472', grid: { stroke: '#eceef2', width: 1 }, ticks: { stroke: '#e3e6eb', width: 1 }, font: '11px system-ui, sans-serif' };

function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '—';
  const rounded = Math.abs(value) >= 100 ? Math.round(value).toString() : Number(value.toFixed(value < 10 ? 2 : 1)).toString();
  return `${rounded}${unit}`;
}

const clock = (seconds: number) => new Date(seconds * 1000).toLocaleTimeString([], { hour12: false, hour: '2-digit', minute: '2-digit', second: '2-digit' });

function options(width: number, height: number, series: readonly ChartSeries[], unit: string, minMax: number): uPlot.Options {
  return {
    width,
    height,
    padding: [8, 8, 0, 0],
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { live: false },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max((max ?? 0) * 1.15, minMax)] } },
    axes: [
      { ...AXIS, space: 80, size: 30, values: (_u, ticks) => ticks.map(clock) },
      { ...AXIS, size: 62, values: (_u, ticks) => ticks.map((t) => fmt(t, unit)) },
    ],
    series: [
      { label: 'time' },
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 1.75,
        spanGaps: false,
        points: { show: false },
        ...(s.fill ? { fill: `${s.color}1f` } : {}),
        ...(s.dash ? { dash: [5, 4] } : {}),
        value: (_u: uPlot, v: number | null) => (v === null ? '—' : fmt(v, unit)),
      })),
    ],
  };
}

/**
 * A live uPlot line chart that fills its container's width: created once, fed new data on each
 * render, resized with its container.
 */
export function UPlotChart({ time, columns, series, unit, height = 180, minMax = 1, label }: UPlotChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = [time as number[], ...columns.map((c) => c as (number | null)[])] as uPlot.AlignedData;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const chart = new uPlot(options(Math.max(200, el.clientWidth), height, series, unit, minMax), data, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // The chart is made once per shape; data flows in through setData below.
  }, [height, unit, minMax, series.length]);

  useEffect(() => {
    plot.current?.setData(data);
  });

  return <div className="chart" ref={host} role="img" aria-label={label} />;
}
