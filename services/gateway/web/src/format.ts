/**
 * A decimal amount as integer cents, the way every service counts money (999.99 → 99999).
 * Returns undefined for anything that is not a finite amount with at most two decimals.
 */
export function toCents(amount: number): number | undefined {
  if (!Number.isFinite(amount)) return undefined;
  const cents = Math.round(amount * 100);
  return Math.abs(cents - amount * 100) < 1e-6 ? cents : undefined;
}

/** Cents as the wire shows money: 299997 → "2999.97". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A wire amount (999.99) as text with two decimals. */
export const formatMoney = (amount: number): string => formatCents(toCents(amount) ?? Math.round(amount * 100));

/**
 * The total of `quantity` items at `price`, computed in cents as the Order service does: 999.99 × 3
 * is 2999.97 exactly. Undefined when either is not a valid amount or count.
 *
 * @example
 * orderTotal(999.99, 3) // "2999.97"
 */
export function orderTotal(price: number, quantity: number): string | undefined {
  const cents = toCents(price);
  if (cents === undefined || !Number.isInteger(quantity) || quantity < 1) return undefined;
  return formatCents(cents * quantity);
}

/** A duration for people: "0.84 ms", "2.6 ms", "23 ms", "1.24 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms === 0) return '0 ms';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A rate: "0", "0.4", "12", "1.2k". */
export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return '—';
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(1);
  if (perSecond < 1000) return Math.round(perSecond).toString();
  return `${(perSecond / 1000).toFixed(1)}k`;
}

/** A share as a percentage: 0 → "0%", 0.0123 → "1.2%". */
export function formatShare(share: number | null | undefined): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '—';
  if (share === 0) return '0%';
  const percent = share * 100;
  return `${percent < 10 ? percent.toFixed(1) : Math.round(percent)}%`;
}

/** An uptime: "42 s", "3 min", "2 h 5 min". */
export function formatUptime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

/** A time of day from an ISO timestamp: "14:03:27". */
export const formatTime = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** A form value as typed: a number when it reads as one, else the text itself, for the API to judge (and name the field). */
export function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}

/** A tick of a time axis in milliseconds: "0 ms", "5 ms", "2.5 ms", "1.5 s". */
export function formatTick(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(2))} s`;
  return `${Number(ms.toFixed(3))} ms`;
}
