import { toCents, traced } from '@microshop/chassis';
import type { Charge, CreateRefund } from '@microshop/contracts';
import type { ChargeRow } from '../data/tables.js';
import { assertSameCharge, toCharge } from './charge-view.js';
import type { ProviderDeps } from './deps.js';
import { failIfOutage, withLatency } from './simulation.js';

/**
 * Gives back the money of a reference, or, when nothing was ever charged with it, voids it: a
 * charge still on its way is then refused when it lands. That is the payment saga's compensation
 * for a charge whose outcome it does not know: either way, the customer keeps the money.
 *
 * Idempotent, and always 200 with the charge as it then stands: REFUNDED (now or earlier), VOIDED,
 * or DECLINED (nothing was taken, nothing to give back). A simulated outage fails it before anything
 * happens (503); the simulated latency comes after the work, as for charges.
 */
export async function createRefund(deps: ProviderDeps, { reference, order_id, amount }: CreateRefund): Promise<Charge> {
  const amountCents = toCents(amount, 'amount');
  const behaviour = deps.behaviour.get();
  failIfOutage(deps, behaviour);
  return withLatency(deps, behaviour, async () => {
    const attributes = { 'charge.reference': reference, 'order.id': order_id, 'charge.amount_cents': amountCents };
    const row = (await deps.charges.findByReference(reference)) ?? (await traced('provider.void', () => voidReference(deps, { reference, order_id, amountCents }), attributes));
    assertSameCharge(row, order_id, amountCents);
    // REFUNDED: given back already. DECLINED: nothing was taken. VOIDED: nothing can be.
    if (row.status !== 'SUCCEEDED') return toCharge(row);
    return toCharge(await traced('provider.refund', () => deps.charges.refund(reference, deps.now().toISOString()), attributes));
  });
}

/**
 * Closes a reference nothing was charged with, recording what its charge would have been. A charge
 * that lands first wins the reference instead: its row comes back, to be refunded.
 */
async function voidReference({ charges, now }: ProviderDeps, { reference, order_id, amountCents }: { reference: string; order_id: number; amountCents: number }): Promise<ChargeRow> {
  const { row } = await charges.insertOnce({ reference, order_id, amount_cents: amountCents, status: 'VOIDED', decline_code: null, created_at: now().toISOString() });
  return row;
}
