import type { ApiResult } from '../api/http';
import type { ConsistencyReport } from '../api/types';

/** What the top bar's money badge shows: a tone (never alone: the label says it too), its words, and a tooltip. */
export interface ConsistencyBadgeView {
  tone: 'ok' | 'down' | 'unknown';
  label: string;
  title: string;
}

/**
 * The badge for the last answer of `GET /api/consistency` (undefined before the first): green when
 * the money adds up, red with the count of violations, grey while unknown or unreachable. Pure, so
 * that the words are unit-tested.
 */
export function consistencyBadge(result: ApiResult<ConsistencyReport> | undefined): ConsistencyBadgeView {
  if (!result) return { tone: 'unknown', label: 'Checking money…', title: 'The money consistency check has not answered yet' };
  const report = result.data;
  if (!result.ok || !report) {
    const why = result.problem?.detail ?? result.problem?.title ?? `HTTP ${result.status}`;
    return { tone: 'unknown', label: 'Money unknown', title: `The money consistency check could not run: ${why}` };
  }
  const counts = `${report.orders_checked} orders, ${report.payments_checked} payments checked, ${report.in_flight.length} in flight`;
  if (report.ok) return { tone: 'ok', label: 'Money consistent', title: counts };
  const n = report.violations.length;
  return { tone: 'down', label: `${n} violation${n === 1 ? '' : 's'}`, title: `Money invariant broken: ${counts}` };
}
