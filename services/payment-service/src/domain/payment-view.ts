import { fromCents } from '@microshop/chassis';
import type { Payment } from '@microshop/contracts';
import type { PaymentRow } from '../data/tables.js';

/** A stored payment as the API shows it: cents become a decimal amount. */
export function toPayment(row: PaymentRow): Payment {
  return { id: row.id, order_id: row.order_id, amount: fromCents(row.amount_cents), status: row.status, created_at: row.created_at };
}
