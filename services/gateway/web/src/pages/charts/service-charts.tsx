import type { ApiResult } from '../../api/http';
import type { ServiceSeries } from '../../api/types';
import { Card } from '../../components/card';
import { ServiceTag } from '../../components/service-tag';
import { UPlotChart, type ChartSeries } from '../../components/uplot-chart';
import { formatMs, formatRate } from '../../format';
import { usePoll } from '../../hooks/use-poll';
import type { ServiceInfo } from '../../services';

/** How often the charts ask for fresh points. */
const REFRESH_MS = 2000;

const REQUESTS: readonly ChartSeries[] = [{ label: 'requests/s', color: '#2f5bea', fill: true }];
const LATENCY: readonly ChartSeries[] = [
  { label: 'p50', color: '#0d9488' },
  { label: 'p99', color: '#7c3aed', dash: true },
];
const ERRORS: readonly ChartSeries[] = [
  { label: '5xx/s', color: '#dc2626', fill: true },
  { label: '4xx/s', color: '#d97706', dash: true },
];

const last = (column: readonly (number | null)[] | undefined): number | null => {
  for (let i = (column?.length ?? 0) - 1; i >= 0; i--) {
    const value = column?.[i];
    if (value !== null && value !== undefined) return value;
  }
  return null;
};

export interface ServiceChartsProps {
  service: ServiceInfo;
  windowS: number;
  load: (service: string, windowS: number, signal?: AbortSignal) => Promise<ApiResult<ServiceSeries>>;
}

/** One process's three charts, refreshed every two seconds. */
export function ServiceCharts({ service, windowS, load }: ServiceChartsProps) {
  const polled = usePoll((signal) => load(service.name, windowS, signal), REFRESH_MS, `${service.name}:${windowS}`);
  const series = polled.value?.data;
  const failure = polled.value && !polled.value.ok ? (polled.value.problem?.detail ?? `status ${polled.value.status}`) : undefined;

  return (
    <Card
      id={`charts-${service.name}`}
      className="service-charts"
      title={<ServiceTag name={service.name} />}
      subtitle={service.database ? `port ${service.port} · ${service.database}` : `port ${service.port}`}
      actions={
        series ? (
          <dl className="inline-stats">
            <div>
              <dt>req/s</dt>
              <dd>{formatRate(last(series.requests_per_s))}</dd>
            </div>
            <div>
              <dt>p99</dt>
              <dd>{formatMs(last(series.p99_ms))}</dd>
            </div>
          </dl>
        ) : null
      }
    >
      {failure ? (
        <p className="banner is-error">Could not load this process's figures: {failure}</p>
      ) : !series ? (
        <p className="empty">Loading…</p>
      ) : (
        <div className="chart-row">
          <figure className="chart-cell">
            <figcaption>Requests per second</figcaption>
            <UPlotChart label={`${service.name} requests per second`} time={series.time} columns={[series.requests_per_s]} series={REQUESTS} unit="/s" />
          </figure>
          <figure className="chart-cell">
            <figcaption>Latency, p50 and p99</figcaption>
            <UPlotChart label={`${service.name} latency p50 and p99`} time={series.time} columns={[series.p50_ms, series.p99_ms]} series={LATENCY} unit=" ms" minMax={10} />
          </figure>
          <figure className="chart-cell">
            <figcaption>Errors per second</figcaption>
            <UPlotChart label={`${service.name} errors per second`} time={series.time} columns={[series.errors_per_s, series.client_errors_per_s]} series={ERRORS} unit="/s" />
          </figure>
        </div>
      )}
    </Card>
  );
}
