import type { EventTables, IdempotencyTables } from '@microshop/chassis';
import type { PaymentStatus } from '@microshop/contracts';
import type { Generated, Insertable, Selectable } from 'kysely';

/** The `payments` table. Amounts are integer cents; the order is an id owned by the Order service. */
export interface PaymentsTable {
  id: Generated<number>;
  order_id: number;
  amount_cents: number;
  status: PaymentStatus;
  created_at: string;
  updated_at: string;
}

/** Every table the Payment service owns. No other service reads them. */
export interface PaymentTables extends IdempotencyTables, EventTables {
  payments: PaymentsTable;
}

export type PaymentRow = Selectable<PaymentsTable>;
export type NewPaymentRow = Insertable<PaymentsTable>;
