import type { ApiResult } from '../api/http';
import type { ConsistencyReport } from '../api/types';

/**
 * What the top bar's money badge shows: a tone (never alone: the label says it too), its words, and
 * a tooltip. `settling`: no violation, but stock mismatches that events on their way will settle;
 * `partial`: no violation among what could be read, but some part was not checked.
 */
export interface ConsistencyBadgeView {
  tone: 'ok' | 'settling' | 'partial' | 'down' | 'unknown';
  label: string;
  title: string;
}

/** One figure of the badge's details. */
export interface ConsistencyFact {
  key: string;
  label: string;
  value: string;
  /** Worth a look (not a violation). */
  warn: boolean;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The lists of a report, empty when a gateway from before they existed leaves them out. */
function partsOf(report: ConsistencyReport) {
  return {
    converging: report.converging ?? [],
    unavailable: report.unavailable ?? [],
    eventsPending: report.events_pending ?? 0,
    charges: report.charges_checked ?? 0,
    products: report.products_checked ?? 0,
  };
}

/** The counts in one sentence: what was checked, what is in flight, settling and pending, and what was not checked. */
export function consistencySummary(report: ConsistencyReport): string {
  const { converging, unavailable, eventsPending, charges, products } = partsOf(report);
  const checked = `${plural(report.orders_checked, 'order')}, ${plural(report.payments_checked, 'payment')}, ${plural(charges, 'charge')}, ${plural(products, 'stocked product')} checked`;
  const moving = `${report.in_flight.length} in flight, ${converging.length} settling, ${plural(eventsPending, 'event')} pending`;
  return `${checked}; ${moving}${unavailable.length ? `; not checked: ${unavailable.join(', ')}` : ''}`;
}

/**
 * The badge for the last answer of `GET /api/consistency` (undefined before the first): red with
 * the count of violations; otherwise grey "partly checked" when a part could not be read, amber
 * "settling" while events on their way will settle a stock mismatch, green when the money adds up;
 * grey while unknown or unreachable. Pure, so that the words are unit-tested.
 */
export function consistencyBadge(result: ApiResult<ConsistencyReport> | undefined): ConsistencyBadgeView {
  if (!result) return { tone: 'unknown', label: 'Checking money…', title: 'The money consistency check has not answered yet' };
  const report = result.data;
  if (!result.ok || !report) {
    const why = result.problem?.detail ?? result.problem?.title ?? `HTTP ${result.status}`;
    return { tone: 'unknown', label: 'Money unknown', title: `The money consistency check could not run: ${why}` };
  }
  const summary = consistencySummary(report);
  const n = report.violations.length;
  if (n > 0) return { tone: 'down', label: `${n} violation${n === 1 ? '' : 's'}`, title: `Money invariant broken: ${summary}` };
  const { converging, unavailable } = partsOf(report);
  if (unavailable.length > 0) return { tone: 'partial', label: 'Money partly checked', title: `No violation in what could be read: ${summary}` };
  if (converging.length > 0) return { tone: 'settling', label: 'Money settling', title: `No violation; events on their way will settle the rest: ${summary}` };
  return { tone: 'ok', label: 'Money consistent', title: summary };
}

/** The figures the badge's details list, in order. */
export function consistencyFacts(report: ConsistencyReport): ConsistencyFact[] {
  const { converging, unavailable, eventsPending, charges, products } = partsOf(report);
  return [
    { key: 'orders', label: 'Orders checked', value: String(report.orders_checked), warn: false },
    { key: 'payments', label: 'Payments checked', value: String(report.payments_checked), warn: false },
    { key: 'charges', label: 'Provider charges checked', value: String(charges), warn: false },
    { key: 'products', label: 'Stocked products checked', value: String(products), warn: false },
    { key: 'in-flight', label: 'Payments in flight', value: String(report.in_flight.length), warn: false },
    { key: 'settling', label: 'Settling', value: String(converging.length), warn: converging.length > 0 },
    { key: 'events-pending', label: 'Events pending', value: String(eventsPending), warn: false },
    { key: 'not-checked', label: 'Not checked', value: unavailable.length ? unavailable.join(', ') : 'nothing', warn: unavailable.length > 0 },
  ];
}
