import { AppError } from './errors.js';

/**
 * Decimal amount from the wire → integer cents, refusing more than two decimal places.
 * `999.99` → `99999`.
 */
export function toCents(amount: number, field: string): number {
  const cents = Math.round(amount * 100);
  if (!Number.isSafeInteger(cents) || Math.abs(amount * 100 - cents) > 1e-6) {
    throw AppError.invalid(field, 'must have at most two decimal places');
  }
  return cents;
}

/** Integer cents → decimal for the wire. `299997` → `2999.97`. */
export function fromCents(cents: number): number {
  return cents / 100;
}
