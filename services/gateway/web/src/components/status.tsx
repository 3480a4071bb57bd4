/** The states the UI colours: up, down, partly up, not known yet. */
export type Health = 'ok' | 'down' | 'degraded' | 'unknown' | 'restarted';

const LABELS: Record<Health, string> = { ok: 'Healthy', down: 'Down', degraded: 'Degraded', unknown: 'Unknown', restarted: 'Restarted' };

/** A coloured dot and a word: the same look for a service, an instance or a span. */
export function StatusBadge({ status, label }: { status: Health; label?: string }) {
  return (
    <span className={`status status-${status}`}>
      <span className="status-dot" aria-hidden="true" />
      {label ?? LABELS[status]}
    </span>
  );
}

/** An order's or a payment's status as a pill. */
export function StatePill({ state }: { state: string }) {
  return <span className={`pill pill-${state.toLowerCase()}`}>{state}</span>;
}
