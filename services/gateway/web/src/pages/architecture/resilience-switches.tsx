import { useState } from 'react';
import { getResilience, setResilience } from '../../api/admin';
import type { BulkheadState, ResilienceState, SetResilienceSwitches } from '../../api/types';
import { usePoll } from '../../hooks/use-poll';

/** How often the switches and breaker states are asked again. */
export const RESILIENCE_POLL_MS = 3000;

const PATTERNS = ['timeouts', 'retries', 'breakers', 'bulkheads'] as const;

/** One neighbour's bulkhead in words: "product 24 of 32, 3 in flight, 1 waiting". */
export function describeBulkhead(to: string, { limit, in_flight, queued }: BulkheadState, max: number): string {
  return `${to.replace('-service', '')} ${limit} of ${max}, ${in_flight} in flight${queued ? `, ${queued} waiting` : ''}`;
}

/**
 * One service's resilience patterns as switches (on/off through the admin API), the state of each
 * of its circuit breakers and its bulkheads' limits. Says so when the service has no switches to offer.
 */
export function ResilienceSwitches({ token, service, label }: { token: string; service: string; label: string }) {
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<string>();
  const polled = usePoll((signal) => getResilience(token, service, signal), RESILIENCE_POLL_MS, `${token}:${service}:${version}`);
  const answer = polled.value;
  if (!answer) return null;
  if (!answer.ok || !answer.data) return <p className="resilience-missing">Resilience switches: not available ({answer.problem?.detail ?? `status ${answer.status}`}).</p>;
  const state: ResilienceState = answer.data;
  const toggle = async (pattern: (typeof PATTERNS)[number], on: boolean) => {
    const body: SetResilienceSwitches = { [pattern]: on };
    const result = await setResilience(token, service, body);
    setError(result.ok ? undefined : (result.problem?.detail ?? `status ${result.status}`));
    setVersion((v) => v + 1);
  };
  const breakers = Object.entries(state.breakers);
  const bulkheads = Object.entries(state.bulkheads);
  return (
    <fieldset className="resilience-switches">
      <legend>Resilience of {label}</legend>
      {PATTERNS.map((pattern) => (
        <label key={pattern} className="switch">
          <input type="checkbox" checked={state.switches[pattern]} onChange={(event) => void toggle(pattern, event.target.checked)} aria-label={`${pattern} for ${label}`} />
          {pattern}
        </label>
      ))}
      {breakers.length ? (
        <p className="breaker-states">
          Breakers:{' '}
          {breakers.map(([to, breaker]) => (
            <span key={to} className={`pill breaker-${breaker}`}>
              {to.replace('-service', '')} {breaker}
            </span>
          ))}
        </p>
      ) : null}
      {bulkheads.length ? (
        <p className="bulkhead-limits" title="Calls in flight allowed to each neighbour now: cut when answers come late, grown back while they come in time">
          Bulkheads:{' '}
          {bulkheads.map(([to, bulkhead]) => (
            <span key={to} className="pill" data-bulkhead={to} data-limit={bulkhead.limit}>
              {describeBulkhead(to, bulkhead, state.settings.bulkhead_max_concurrent)}
            </span>
          ))}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
