import { AppError } from './errors.js';

/**
 * Decimal amount from the wire → integer cents, refusing more than two decimal places.
 * `999.99` → `99999`. Exact: the amount must be the very number its cents make (a decimal with two
 * places parses to it), so `0.001` is refused, and so is `5e-324`, which a tolerance would have taken
 * for 0 cents and the database refused (a 500).
 */
export function toCents(amount: number, field: string): number {
  const cents = Math.round(amount * 100);
  if (!Number.isSafeInteger(cents) || cents / 100 !== amount) {
    throw AppError.invalid(field, 'must have at most two decimal places');
  }
  return cents;
}

/** Integer cents → decimal for the wire. `299997` → `2999.97`. */
export function fromCents(cents: number): number {
  return cents / 100;
}

/**
 * An amount a neighbouring service sent → integer cents. An amount no contract allows (not positive,
 * more than two decimals, beyond exact integers) is the neighbour's fault: a 502 naming it, never
 * a 400 blaming the client.
 */
export function neighbourCents(amount: number, service: string, what: string): number {
  const cents = Math.round(amount * 100);
  if (!(cents > 0) || !Number.isSafeInteger(cents) || Math.abs(amount * 100 - cents) > 1e-6) {
    throw AppError.badGateway(service, `${service} sent ${what} ${amount}, which is not a valid amount`);
  }
  return cents;
}
