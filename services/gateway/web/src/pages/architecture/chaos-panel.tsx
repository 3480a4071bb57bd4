import { useState } from 'react';
import { clearChaos, controlProcess, setChaos } from '../../api/admin';
import type { ApiResult } from '../../api/http';
import type { AdminServices, AdminServiceStatus, ChaosState, ProcessAction, SetChaos } from '../../api/types';
import { Card } from '../../components/card';
import { InputField } from '../../components/field';
import { useApiAction } from '../../hooks/use-api-action';
import { serviceInfo } from '../../services';
import { AdminTokenForm } from './admin-token-form';
import { ResilienceSwitches } from './resilience-switches';

/** The active faults in words: `latency 500±100 ms, errors 50 %, 42 s left`. */
export function describeChaos(chaos: ChaosState | null): string {
  if (!chaos) return 'unknown (no answer)';
  if (!chaos.active) return 'none';
  const parts: string[] = [];
  if (chaos.hang) parts.push('hang');
  if (chaos.latency_ms || chaos.jitter_ms) parts.push(`latency ${chaos.latency_ms}${chaos.jitter_ms ? `±${chaos.jitter_ms}` : ''} ms`);
  if (chaos.error_rate) parts.push(`errors ${Math.round(chaos.error_rate * 100)} %`);
  return `${parts.join(', ')} · ${Math.ceil(chaos.expires_in_s)} s left`;
}

interface FaultSettings {
  latency: string;
  jitter: string;
  errorPercent: string;
  lastsS: string;
}

const number = (text: string) => (text.trim() === '' ? 0 : Number(text));

function ServiceControls({ status, token, settings, supervisor }: { status: AdminServiceStatus; token: string; settings: FaultSettings; supervisor: boolean }) {
  const action = useApiAction<unknown>();
  const [chosen, setChosen] = useState('');
  const label = serviceInfo(status.service).label;
  const lasts = number(settings.lastsS);
  // The process controls act on the chosen instance (replica 1 by default); faults go to every instance.
  const target = status.instances.find((i) => i.instance_id === chosen) ?? status.instances[0];
  const instance = target && status.instances.length > 1 ? { instance: target.instance_id } : {};
  const inject = (what: string, body: SetChaos) => action.run(`${what} on ${label}`, () => setChaos(token, status.service, { ...body, expires_in_s: lasts }) as Promise<ApiResult<unknown>>);
  const control = (verb: ProcessAction) =>
    action.run(`${verb} ${target?.instance_id ?? label}`, () =>
      controlProcess(token, status.service, verb === 'pause' ? { action: verb, for_s: Math.min(60, Math.max(1, lasts)), ...instance } : { action: verb, ...instance }) as Promise<ApiResult<unknown>>,
    );
  const processState = target?.state ?? status.process?.state ?? (supervisor ? 'unknown' : 'no supervisor');
  const active = status.chaos?.active === true;
  return (
    <article className={`chaos-service ${active ? 'has-fault' : ''}`} data-service={status.service} aria-labelledby={`chaos-${status.service}`}>
      <h3 id={`chaos-${status.service}`}>{label}</h3>
      <dl className="chaos-state">
        <div>
          <dt>Process</dt>
          <dd data-process-state={processState}>{processState}</dd>
        </div>
        <div>
          <dt>Faults</dt>
          <dd className={active ? 'fault-active' : undefined} data-faults={active ? 'active' : 'none'}>
            {describeChaos(status.chaos)}
          </dd>
        </div>
      </dl>
      <div className="chaos-buttons" role="group" aria-label={`Faults for ${label}`}>
        <button type="button" className="button small" disabled={action.busy} onClick={() => void inject('Latency', { latency_ms: number(settings.latency), jitter_ms: number(settings.jitter) })} aria-label={`Add latency to ${label}`}>
          Latency
        </button>
        <button type="button" className="button small" disabled={action.busy} onClick={() => void inject('Errors', { error_rate: number(settings.errorPercent) / 100 })} aria-label={`Add errors to ${label}`}>
          Errors
        </button>
        <button type="button" className="button small" disabled={action.busy} onClick={() => void inject('Hang', { hang: true })} aria-label={`Make ${label} hang`}>
          Hang
        </button>
        <button type="button" className="button ghost small" disabled={action.busy || !active} onClick={() => void action.run(`Clear faults on ${label}`, () => clearChaos(token, status.service) as Promise<ApiResult<unknown>>)} aria-label={`Clear faults on ${label}`}>
          Clear
        </button>
      </div>
      {status.instances.length > 1 ? (
        <label className="instance-picker">
          Instance{' '}
          <select value={target?.instance_id ?? ''} onChange={(event) => setChosen(event.target.value)} aria-label={`Instance of ${label} the process controls act on`}>
            {status.instances.map((i) => (
              <option key={i.instance_id} value={i.instance_id}>
                {i.instance_id} (:{i.port}, {i.state})
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <div className="chaos-buttons" role="group" aria-label={`Process of ${label}`}>
        {(['kill', 'pause', 'resume', 'restart'] as const).map((verb) => (
          <button
            key={verb}
            type="button"
            className={`button small ${verb === 'kill' ? 'danger' : 'ghost'}`}
            disabled={action.busy || !supervisor}
            onClick={() => void control(verb)}
            aria-label={`${verb[0]?.toUpperCase()}${verb.slice(1)} ${label}`}
          >
            {verb[0]?.toUpperCase()}
            {verb.slice(1)}
          </button>
        ))}
      </div>
      <ResilienceSwitches token={token} service={status.service} label={label} />
      {action.result && !action.result.ok ? (
        <p className="field-error" role="alert">
          {action.result.problem?.detail ?? action.result.problem?.title}
        </p>
      ) : null}
    </article>
  );
}

/**
 * Chaos on the architecture view: per service its active faults (with the time left) and process
 * state, buttons to add latency, errors or a hang (on every instance), to kill, pause, resume or
 * restart one instance, and its resilience switches. Everything goes through the gateway's admin
 * API with the admin token; the page polls the admin state and passes it in.
 */
export function ChaosPanel({ token, answer, onTokenChange: change }: { token: string; answer: ApiResult<AdminServices> | undefined; onTokenChange: (token: string) => void }) {
  const [settings, setSettings] = useState<FaultSettings>({ latency: '500', jitter: '100', errorPercent: '50', lastsS: '60' });
  const refused = answer !== undefined && (answer.status === 401 || answer.status === 403);
  const field = (key: keyof FaultSettings) => ({ value: settings[key], inputMode: 'numeric' as const, onChange: (e: { target: { value: string } }) => setSettings({ ...settings, [key]: e.target.value }) });
  const data = answer?.ok ? answer.data : undefined;
  return (
    <Card id="chaos" title="Chaos" subtitle="Faults expire by themselves; a paused process resumes within 60 s">
      <AdminTokenForm token={token} refused={refused} onChange={change} />
      {token && !refused ? (
        <>
          <div className="chaos-settings">
            <InputField label="Latency (ms)" {...field('latency')} />
            <InputField label="Jitter (ms)" {...field('jitter')} />
            <InputField label="Error rate (%)" {...field('errorPercent')} />
            <InputField label="Lasts (s)" hint="Faults: up to 600; pause: up to 60" {...field('lastsS')} />
          </div>
          {answer && !answer.ok ? (
            <p className="banner" role="status">
              The admin API did not answer ({answer.problem?.detail ?? `status ${answer.status}`}).
            </p>
          ) : null}
          {data && !data.supervisor ? (
            <p className="banner" role="status">
              No supervisor answers: kill, pause, resume and restart need the system started with <code>npm start</code>.
            </p>
          ) : null}
          <div className="chaos-gateway">
            <ResilienceSwitches token={token} service="gateway" label="the gateway" />
          </div>
          <div className="chaos-services">
            {data?.services.map((status) => <ServiceControls key={status.service} status={status} token={token} settings={settings} supervisor={data.supervisor} />)}
          </div>
        </>
      ) : null}
    </Card>
  );
}
