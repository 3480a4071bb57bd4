import { useState } from 'react';
import { getSeries } from '../../api/system';
import { PageHeader } from '../../components/page-header';
import { untilMissing } from '../../hooks/use-poll';
import { SERVICES } from '../../services';
import { ServiceCharts } from './service-charts';

/** The spans of history the page offers, in seconds. */
const WINDOWS = [
  { seconds: 60, label: '1 min' },
  { seconds: 300, label: '5 min' },
  { seconds: 900, label: '15 min' },
] as const;

/** Metrics: per process, live charts of requests/s, p50/p99 latency and errors over the last minutes. */
export function ChartsPage() {
  const [windowS, setWindowS] = useState<number>(300);
  const [load] = useState(() => untilMissing(getSeries));
  return (
    <>
      <PageHeader
        title="Metrics"
        lead="Every process measured by its own /metrics endpoint and scraped by the gateway: requests per second, median and 99th percentile latency, and errors."
        actions={
          <div className="segmented" role="group" aria-label="Time window">
            {WINDOWS.map((w) => (
              <button key={w.seconds} type="button" aria-pressed={windowS === w.seconds} className={windowS === w.seconds ? 'is-selected' : ''} onClick={() => setWindowS(w.seconds)}>
                {w.label}
              </button>
            ))}
          </div>
        }
      />
      <div className="charts">
        {SERVICES.map((service) => (
          <ServiceCharts key={service.name} service={service} windowS={windowS} load={load} />
        ))}
      </div>
    </>
  );
}
