import { useState, type FormEvent } from 'react';
import { readAdminToken, saveAdminToken } from '../../api/admin';
import { fieldErrors, type ApiResult } from '../../api/http';
import { getTraffic, startTraffic, stopTraffic } from '../../api/system';
import type { TrafficRun } from '../../api/types';
import { Card } from '../../components/card';
import { InputField } from '../../components/field';
import { PageHeader } from '../../components/page-header';
import { ResultNote } from '../../components/result-note';
import { numberOrText } from '../../format';
import { usePoll } from '../../hooks/use-poll';
import { Link } from '../../router';
import { AdminTokenForm } from '../architecture/admin-token-form';
import { TrafficProgress } from './traffic-progress';

/** The bounds the gateway enforces, repeated here for the hints only: the gateway has the last word. */
const MAX_RATE = 50;
const MAX_DURATION_S = 300;
const PRESETS = [
  { label: 'Gentle', rate: 5, duration: 60 },
  { label: 'Busy', rate: 20, duration: 120 },
  { label: 'Peak', rate: 50, duration: 60 },
] as const;

/**
 * Traffic: start a bounded run of realistic shopping (browse, order, pay) that the gateway itself
 * sends through its public API, watch its progress, stop it.
 */
export function TrafficPage() {
  const traffic = usePoll((signal) => getTraffic(signal), 500);
  const [rate, setRate] = useState('10');
  const [duration, setDuration] = useState('60');
  const [result, setResult] = useState<ApiResult<TrafficRun>>();
  const [busy, setBusy] = useState(false);
  const [token, setToken] = useState(readAdminToken);
  const refused = result?.status === 401 || result?.status === 403;
  const run = traffic.value?.data;
  const running = run?.state === 'running';
  const errors = fieldErrors(result?.problem);

  const start = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setResult(await startTraffic(token, { rate: numberOrText(rate), duration_s: numberOrText(duration) }));
    setBusy(false);
  };
  const stop = async () => {
    setBusy(true);
    setResult(await stopTraffic(token));
    setBusy(false);
  };

  return (
    <>
      <PageHeader
        title="Traffic"
        lead={
          <>
            The gateway plays shoppers: it looks at the catalogue, opens orders, places orders and pays most of them, through its own public API, so every
            request is measured and traced. Watch it on the <Link to="/architecture">architecture</Link> and the <Link to="/charts">metrics</Link>.
          </>
        }
      />
      <div className="traffic-grid">
        <Card id="traffic-control" title="Start a run" subtitle={`Up to ${MAX_RATE} requests/s for up to ${MAX_DURATION_S} s; one run at a time`}>
          <div className="presets" role="group" aria-label="Presets">
            {PRESETS.map((p) => (
              <button
                key={p.label}
                type="button"
                className="button ghost small"
                onClick={() => {
                  setRate(String(p.rate));
                  setDuration(String(p.duration));
                }}
                disabled={running}
              >
                {p.label} · {p.rate}/s · {p.duration} s
              </button>
            ))}
          </div>
          <AdminTokenForm
            token={token}
            refused={refused}
            onChange={(next) => {
              saveAdminToken(next);
              setToken(next);
              setResult(undefined);
            }}
          />
          <form className="form-row" onSubmit={(e) => void start(e)} noValidate aria-label="Traffic run">
            <InputField
              id="traffic-rate"
              label="Requests/s"
              inputMode="numeric"
              value={rate}
              onChange={(e) => setRate(e.target.value)}
              error={errors.rate}
              hint={`1 to ${MAX_RATE}`}
              className="narrow"
            />
            <InputField
              id="traffic-duration"
              label="Duration (s)"
              inputMode="numeric"
              value={duration}
              onChange={(e) => setDuration(e.target.value)}
              error={errors.duration_s}
              hint={`1 to ${MAX_DURATION_S}`}
              className="narrow"
            />
            <button type="submit" className="button primary" disabled={busy || running || !token}>
              Start traffic
            </button>
            <button type="button" className="button danger" disabled={busy || !running || !token} onClick={() => void stop()}>
              Stop
            </button>
          </form>
          {result ? <ResultNote result={result} success={result.data?.state === 'running' ? `Started: ${result.data.rate}/s for ${result.data.duration_s} s` : 'Stopped'} /> : null}
          <p className="fine-print">
            These controls run in the gateway and need the admin token (asked once, kept in this tab); watching a run needs none. The load never runs
            in this browser.
          </p>
        </Card>
        <TrafficProgress run={run} />
      </div>
    </>
  );
}
