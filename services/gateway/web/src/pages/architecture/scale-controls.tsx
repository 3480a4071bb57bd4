import { useState } from 'react';
import { setReplicas } from '../../api/admin';
import type { ServiceReplicas, SupervisedInstance } from '../../api/types';
import { useApiAction } from '../../hooks/use-api-action';
import { MAX_REPLICAS } from '../../services';

/** The replica count a service runs now: its instances the supervisor has not begun to drain. */
export function replicaCount(instances: readonly SupervisedInstance[]): number {
  return instances.filter((i) => i.state !== 'draining').length;
}

/**
 * − / + on a service's box: one instance fewer or more, through the admin API and the supervisor.
 * The supervisor answers once the new instances are ready (or the removed ones drained), so the
 * count shows the request pending until then. Disabled at 1 and at {@link MAX_REPLICAS}.
 */
export function ScaleControls({ token, service, label, instances, supervisor }: { token: string; service: string; label: string; instances: readonly SupervisedInstance[]; supervisor: boolean }) {
  const action = useApiAction<ServiceReplicas>();
  const [pending, setPending] = useState<number>();
  const current = replicaCount(instances);
  const shown = pending ?? current;
  const scale = async (replicas: number) => {
    setPending(replicas);
    await action.run(`Scale ${label} to ${replicas}`, () => setReplicas(token, service, { replicas }));
    setPending(undefined);
  };
  const disabled = !supervisor || action.busy || current === 0;
  const failed = action.result && !action.result.ok ? (action.result.problem?.detail ?? `status ${action.result.status}`) : undefined;
  return (
    <div className="scale-controls" role="group" aria-label={`Instances of ${label}`} data-pending={pending === undefined ? 'no' : 'yes'}>
      <button type="button" className="button small ghost" disabled={disabled || shown <= 1} onClick={() => void scale(shown - 1)} aria-label={`One instance fewer of ${label}`}>
        −
      </button>
      <span className="scale-count" data-replicas={current} aria-live="polite">
        {pending === undefined ? `${current} ${current === 1 ? 'instance' : 'instances'}` : `scaling ${current} → ${pending}…`}
      </span>
      <button type="button" className="button small ghost" disabled={disabled || shown >= MAX_REPLICAS} onClick={() => void scale(shown + 1)} aria-label={`One instance more of ${label}`}>
        +
      </button>
      {failed ? (
        <p className="field-error scale-error" role="alert">
          {failed}
        </p>
      ) : null}
    </div>
  );
}
