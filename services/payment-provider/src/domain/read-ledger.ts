import { fromCents } from '@microshop/chassis';
import type { ProviderLedger } from '@microshop/contracts';
import { toCharge } from './charge-view.js';
import type { ProviderDeps } from './deps.js';

/**
 * The most charges one ledger lists. The totals always count every charge asked for; only the list
 * stops here, newest first, so that a long-running shop's ledger stays one bounded answer. An
 * auditor asks for the orders it checks (`?order_id=`), which never come near it.
 */
export const LEDGER_LIMIT = 10_000;

/** What the provider holds: every charge (or those of some orders), with what was taken and given back. */
export async function readLedger({ charges }: Pick<ProviderDeps, 'charges'>, orderIds?: readonly number[]): Promise<ProviderLedger> {
  const { rows, totals } = await charges.ledger(orderIds && [...new Set(orderIds)], LEDGER_LIMIT);
  return {
    charged: fromCents(totals.chargedCents),
    refunded: fromCents(totals.refundedCents),
    net: fromCents(totals.chargedCents - totals.refundedCents),
    charges: rows.map(toCharge),
  };
}
