import { AppError, fromCents } from '@microshop/chassis';
import type { Charge } from '@microshop/contracts';
import type { ChargeRow } from '../data/tables.js';

/** The id a charge is known by outside: `ch_12`, as a processor's ids carry their kind. */
export const chargeId = (row: Pick<ChargeRow, 'id'>): string => `ch_${row.id}`;

/** A stored charge as the API shows it: cents become a decimal amount, absent values are left out. */
export function toCharge(row: ChargeRow): Charge {
  return {
    id: chargeId(row),
    reference: row.reference,
    order_id: row.order_id,
    amount: fromCents(row.amount_cents),
    status: row.status,
    ...(row.decline_code === null ? {} : { decline_code: row.decline_code }),
    created_at: row.created_at,
    ...(row.refunded_at === null ? {} : { refunded_at: row.refunded_at }),
  };
}

/**
 * A reference sent again must name the order and amount it was first sent with: anything else is a
 * caller reusing a key for another payment, which must not be answered with the first one's outcome.
 */
export function assertSameCharge(row: ChargeRow, orderId: number, amountCents: number): void {
  if (row.order_id !== orderId || row.amount_cents !== amountCents) {
    throw AppError.unprocessable(
      'reference',
      `${row.reference} is ${chargeId(row)}, for order ${row.order_id} and amount ${fromCents(row.amount_cents)}; send the same order_id and amount with it, or another reference`,
    );
  }
}
