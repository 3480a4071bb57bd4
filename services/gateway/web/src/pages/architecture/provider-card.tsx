import { useState, type FormEvent } from 'react';
import { getProvider, setProvider } from '../../api/admin';
import type { ProviderBehaviour } from '../../api/types';
import { Card } from '../../components/card';
import { InputField } from '../../components/field';
import { ResultNote } from '../../components/result-note';
import { formatMs } from '../../format';
import { untilMissing, usePoll } from '../../hooks/use-poll';
import { useApiAction } from '../../hooks/use-api-action';

/** How often the provider's behaviour is read again (someone else may change it). */
export const PROVIDER_POLL_MS = 3000;

/** A rate (0..1) as the form shows it: a percentage with at most one decimal. */
export const toPercentText = (rate: number): string => String(Math.round(rate * 1000) / 10);

/**
 * A percentage as typed, as the API's rate (0..1), or the reason it cannot be one. Empty reads as 0.
 *
 * @example
 * percentToRate('25') // { rate: 0.25 }
 * percentToRate('120') // { error: 'Between 0 and 100 %' }
 */
export function percentToRate(text: string): { rate: number } | { error: string } {
  const trimmed = text.trim();
  const value = trimmed === '' ? 0 : Number(trimmed);
  if (!Number.isFinite(value)) return { error: 'A number, in %' };
  if (value < 0 || value > 100) return { error: 'Between 0 and 100 %' };
  return { rate: Math.round(value * 10) / 1000 };
}

interface Drafts {
  decline: string;
  failure: string;
  latency: string;
}

const draftsOf = (behaviour: ProviderBehaviour): Drafts => ({ decline: toPercentText(behaviour.decline_rate), failure: toPercentText(behaviour.failure_rate), latency: String(behaviour.latency_ms) });

/**
 * The simulated payment provider's behaviour through the gateway's admin API: how often it declines
 * a card, fails a request (503), and how long it takes, read every few seconds and saved all at
 * once. The form shows the provider's current values until a person edits it; what the saga does
 * about them shows on each order's timeline.
 */
export function ProviderCard({ token, refused }: { token: string; refused: boolean }) {
  const [version, setVersion] = useState(0);
  const [load] = useState(() => untilMissing(getProvider));
  const polled = usePoll((signal) => (token && !refused ? load(token, signal) : Promise.resolve(undefined)), PROVIDER_POLL_MS, `${token}:${version}`);
  const answer = polled.value;
  const current = answer?.ok ? answer.data : undefined;
  const [drafts, setDrafts] = useState<Drafts>();
  const [errors, setErrors] = useState<Partial<Record<keyof Drafts, string>>>({});
  const save = useApiAction<ProviderBehaviour>();

  const shown = drafts ?? (current ? draftsOf(current) : { decline: '', failure: '', latency: '' });
  const field = (key: keyof Drafts) => ({
    value: shown[key],
    inputMode: 'decimal' as const,
    autoComplete: 'off',
    onChange: (event: { target: { value: string } }) => setDrafts({ ...shown, [key]: event.target.value }),
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const decline = percentToRate(shown.decline);
    const failure = percentToRate(shown.failure);
    const local = { ...('error' in decline ? { decline: decline.error } : {}), ...('error' in failure ? { failure: failure.error } : {}) };
    setErrors(local);
    if ('error' in decline || 'error' in failure) return;
    const latency = shown.latency.trim() === '' ? 0 : Number(shown.latency.trim());
    const body = { decline_rate: decline.rate, failure_rate: failure.rate, latency_ms: Number.isFinite(latency) ? latency : shown.latency };
    const result = await save.run(`Provider: decline ${shown.decline || 0} %, fail ${shown.failure || 0} %, ${shown.latency || 0} ms`, () => setProvider(token, body));
    if (result.ok) {
      // The form follows the provider's values again, starting with those just saved.
      setDrafts(undefined);
      setVersion((v) => v + 1);
    }
  };

  let body;
  if (!token || refused) {
    body = <p className="muted">Give the admin token under Chaos above to see and change how the provider behaves.</p>;
  } else if (answer && !answer.ok) {
    body = (
      <p className="banner" role="status">
        {answer.status === 404 ? 'This gateway has no payment provider to control.' : `The provider's settings could not be read (${answer.problem?.detail ?? `status ${answer.status}`}).`}
      </p>
    );
  } else {
    body = (
      <>
        <dl className="stats provider-stats" data-decline-rate={current?.decline_rate ?? ''} data-failure-rate={current?.failure_rate ?? ''} data-latency-ms={current?.latency_ms ?? ''}>
          <div className={current && current.decline_rate > 0 ? 'is-warn' : undefined}>
            <dt>Declines</dt>
            <dd data-stat="decline">{current ? `${toPercentText(current.decline_rate)} %` : '—'}</dd>
          </div>
          <div className={current && current.failure_rate > 0 ? 'is-warn' : undefined}>
            <dt>Fails</dt>
            <dd data-stat="failure">{current ? `${toPercentText(current.failure_rate)} %` : '—'}</dd>
          </div>
          <div className={current && current.latency_ms > 0 ? 'is-warn' : undefined}>
            <dt>Latency</dt>
            <dd data-stat="latency">{current ? formatMs(current.latency_ms) : '—'}</dd>
          </div>
        </dl>
        <form className="provider-form" onSubmit={(e) => void submit(e)} noValidate aria-label="Payment provider behaviour">
          <InputField id="provider-decline" label="Decline rate (%)" hint="Cards refused: 402, the order stays payable" error={errors.decline ?? save.errors.decline_rate} {...field('decline')} />
          <InputField id="provider-failure" label="Failure rate (%)" hint="Requests answered 503: the saga retries, then voids" error={errors.failure ?? save.errors.failure_rate} {...field('failure')} />
          <InputField id="provider-latency" label="Latency (ms)" hint="Past the request's budget: 202, the saga goes on" error={save.errors.latency_ms} {...field('latency')} />
          <button type="submit" className="button primary" disabled={save.busy || !current}>
            Save provider settings
          </button>
        </form>
        {save.result ? (
          <ResultNote
            result={save.result}
            success={save.result.data ? `Saved: declines ${toPercentText(save.result.data.decline_rate)} %, fails ${toPercentText(save.result.data.failure_rate)} %, latency ${save.result.data.latency_ms} ms` : 'Saved'}
          />
        ) : null}
      </>
    );
  }

  return (
    <Card id="provider" title="Payment provider" subtitle="The simulated card processor the Payment service charges through: how often it declines, fails and how slow it is">
      {body}
    </Card>
  );
}
