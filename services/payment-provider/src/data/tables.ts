import type { ChargeStatus } from '@microshop/contracts';
import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * The `charges` table: the provider's ledger, one row per reference. Amounts are integer cents; the
 * order is an id the shop sent, which the provider stores but never checks.
 */
export interface ChargesTable {
  id: Generated<number>;
  reference: string;
  order_id: number;
  amount_cents: number;
  status: ChargeStatus;
  decline_code: string | null;
  created_at: string;
  refunded_at: string | null;
}

/** Every table the payment provider owns. No other service reads them. */
export interface ProviderTables {
  charges: ChargesTable;
}

export type ChargeRow = Selectable<ChargesTable>;
export type NewChargeRow = Insertable<ChargesTable>;
