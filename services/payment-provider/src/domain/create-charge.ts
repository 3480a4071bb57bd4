import { AppError, toCents, traced } from '@microshop/chassis';
import type { Charge, CreateCharge } from '@microshop/contracts';
import type { ChargeRow } from '../data/tables.js';
import { assertSameCharge, chargeId, toCharge } from './charge-view.js';
import type { ProviderDeps } from './deps.js';
import { failIfOutage, withLatency } from './simulation.js';

/** The decline code of a simulated decline: the generic one a card network sends. */
export const DECLINE_CODE = 'card_declined';

/** A charge that went through, and whether this request made it (201) or found it made (200). */
export interface ChargeOutcome {
  charge: Charge;
  created: boolean;
}

/**
 * Charges a card, keyed by the caller's reference: sending the same charge again (a retry after a
 * timeout) never takes the money twice, it answers the first outcome.
 *
 * The story: a simulated outage fails the request before anything happens (503). A reference seen
 * before is replayed: its charge as it stands now (200), a decline declined again (402, as Stripe
 * replays errors), a voided reference refused (409). A new reference is declined or charged, and
 * written once however many requests race with it. Only then comes the simulated latency.
 */
export async function createCharge(deps: ProviderDeps, { reference, order_id, amount }: CreateCharge): Promise<ChargeOutcome> {
  const amountCents = toCents(amount, 'amount');
  const behaviour = deps.behaviour.get();
  failIfOutage(deps, behaviour);
  return withLatency(deps, behaviour, async () => {
    const seen = await deps.charges.findByReference(reference);
    if (seen) return replay(seen, order_id, amountCents);

    const declined = deps.random() < behaviour.decline_rate;
    const { row, created } = await traced(
      'provider.charge',
      async (span) => {
        const written = await deps.charges.insertOnce({
          reference,
          order_id,
          amount_cents: amountCents,
          status: declined ? 'DECLINED' : 'SUCCEEDED',
          decline_code: declined ? DECLINE_CODE : null,
          created_at: deps.now().toISOString(),
        });
        span.setAttribute('charge.status', written.row.status);
        return written;
      },
      { 'charge.reference': reference, 'order.id': order_id, 'charge.amount_cents': amountCents },
    );
    return created ? outcomeOf(row, true) : replay(row, order_id, amountCents);
  });
}

/** The answer to a reference that already has a row. */
function replay(row: ChargeRow, orderId: number, amountCents: number): ChargeOutcome {
  if (row.status === 'VOIDED') {
    throw AppError.conflict(`reference ${row.reference} voided: a refund closed it before any charge, and no charge can take it now`, 'reference');
  }
  assertSameCharge(row, orderId, amountCents);
  return outcomeOf(row, false);
}

/** A charge's outcome: the charge itself, or the 402 of a decline, the first time and every time after. */
function outcomeOf(row: ChargeRow, created: boolean): ChargeOutcome {
  if (row.status === 'DECLINED') {
    throw new AppError({
      status: 402,
      code: 'card-declined',
      title: 'Card declined',
      detail: `Charge ${chargeId(row)} for reference ${row.reference} was declined (${row.decline_code ?? DECLINE_CODE}); no money was taken`,
      field: 'reference',
    });
  }
  return { charge: toCharge(row), created };
}
