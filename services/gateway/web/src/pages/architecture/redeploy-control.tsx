import { useEffect, useState } from 'react';
import { rolloutService } from '../../api/admin';
import type { ServiceRollout, SupervisedInstance } from '../../api/types';
import { useApiAction } from '../../hooks/use-api-action';

/** How far a rollout has come, read from the instances the architecture view polls. */
export interface RolloutProgress {
  /** Slots whose process is no longer the one that ran when the rollout began. */
  replaced: number;
  /** Slots to replace: the instances running when it began. */
  total: number;
  /** Instances up now (the temporary one included). */
  running: number;
  /** Old instances leaving now. */
  draining: number;
}

/** The pid of every instance that runs now, by instance id: what a rollout starting now will replace. */
export function pidsOf(instances: readonly SupervisedInstance[]): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const i of instances) if (i.state !== 'draining' && i.pid !== null) pids[i.instance_id] = i.pid;
  return pids;
}

/**
 * Progress of a rollout that began with `before` (from {@link pidsOf}): a slot counts as replaced
 * once an instance with its id runs with another pid.
 *
 * @example
 * rolloutProgress({ 'order-service-1': 41 }, [{ instance_id: 'order-service-1', pid: 41, state: 'draining' }, { instance_id: 'order-service-2', pid: 52, state: 'running' }])
 * // { replaced: 0, total: 1, running: 1, draining: 1 }
 */
export function rolloutProgress(before: Readonly<Record<string, number>>, instances: readonly Pick<SupervisedInstance, 'instance_id' | 'pid' | 'state'>[]): RolloutProgress {
  const live = instances.filter((i) => i.state !== 'draining');
  const ids = Object.keys(before);
  return {
    replaced: ids.filter((id) => live.some((i) => i.instance_id === id && i.pid !== null && i.pid !== before[id])).length,
    total: ids.length,
    running: live.filter((i) => i.state === 'running').length,
    draining: instances.length - live.length,
  };
}

/** One line per replaced slot: `#1 :5003 pid 4101 → 4188`. */
export function describeReplaced(rollout: ServiceRollout): string[] {
  return rollout.replaced.map(({ old, new: now }) => `#${now.replica} :${now.port} pid ${old.pid ?? '—'} → ${now.pid ?? '—'}`);
}

/** The rollout's outcome in one sentence. */
export function describeRollout(rollout: ServiceRollout): string {
  const { replicas, duration_ms: ms, temporary } = rollout;
  return `Redeployed ${replicas} ${replicas === 1 ? 'instance' : 'instances'} in ${(ms / 1000).toFixed(1)} s, through a temporary #${temporary.replica} (pid ${temporary.pid ?? '—'}) on :${temporary.port}`;
}

/**
 * "Redeploy" on a service's box: every instance replaced by a fresh process of the code on disk,
 * one at a time, through the admin API and the supervisor, with no other process touched. While it
 * runs (a few seconds per instance) the polled instances show how many slots have a new pid; then
 * each slot's old and new pid.
 */
export function RedeployControl({
  token,
  service,
  label,
  instances,
  supervisor,
  onRunning,
}: {
  token: string;
  service: string;
  label: string;
  instances: readonly SupervisedInstance[];
  supervisor: boolean;
  /** Told when the rollout starts and when it has ended: the page does not take its new pids for crashes. */
  onRunning?: (service: string, running: boolean) => void;
}) {
  const action = useApiAction<ServiceRollout>();
  const [before, setBefore] = useState<Record<string, number>>();
  const [startedAt, setStartedAt] = useState(0);
  const [now, setNow] = useState(0);
  useEffect(() => {
    if (!action.busy) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [action.busy]);
  const redeploy = async () => {
    setBefore(pidsOf(instances));
    setStartedAt(Date.now());
    setNow(Date.now());
    onRunning?.(service, true);
    try {
      await action.run(`Redeploy ${label}`, () => rolloutService(token, service));
    } finally {
      onRunning?.(service, false);
    }
  };
  const progress = action.busy && before ? rolloutProgress(before, instances) : undefined;
  const result = action.busy ? undefined : action.result;
  const outcome = result ? (result.ok ? 'done' : 'failed') : action.busy ? 'running' : 'idle';
  return (
    <div className="redeploy-control" role="group" aria-label={`Redeploy ${label}`} data-outcome={outcome}>
      <button
        type="button"
        className="button small ghost"
        disabled={!supervisor || action.busy || instances.length === 0}
        onClick={() => void redeploy()}
        title={`Replace each ${label} instance by a fresh process, one at a time, with no downtime`}
      >
        {action.busy ? 'Redeploying…' : 'Redeploy'}
      </button>
      <span className="redeploy-status" aria-live="polite">
        {progress
          ? `${progress.replaced} of ${progress.total} replaced · ${progress.running} up${progress.draining ? `, ${progress.draining} draining` : ''} · ${Math.max(0, Math.round((now - startedAt) / 1000))} s`
          : result?.ok && result.data
            ? describeRollout(result.data)
            : null}
      </span>
      {result?.ok && result.data ? (
        <ul className="redeploy-replaced" aria-label={`${label} instances replaced`}>
          {describeReplaced(result.data).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      ) : null}
      {result && !result.ok ? (
        <p className="field-error redeploy-error" role="alert">
          {result.problem?.detail ?? `status ${result.status}`}
        </p>
      ) : null}
    </div>
  );
}
