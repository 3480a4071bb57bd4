import { Type, type Static } from 'typebox';
import { Id, Timestamp } from './common.js';
import { Money } from './products.js';

/**
 * The simulated payment provider (`payment-provider`): an outside card processor with its own
 * ledger. A charge is keyed by the caller's `reference` (the payment saga uses `payment-<id>`):
 * the same reference never charges twice, whatever the retries.
 *
 * - SUCCEEDED: the money was taken. DECLINED: the card was refused, nothing taken.
 * - REFUNDED: taken, then given back. VOIDED: a refund arrived before any charge: the reference is
 *   closed, and a charge that arrives later with it is refused (so a slow charge can never land
 *   after its compensation).
 */
export const ChargeStatus = Type.Union([Type.Literal('SUCCEEDED'), Type.Literal('DECLINED'), Type.Literal('REFUNDED'), Type.Literal('VOIDED')]);
export type ChargeStatus = Static<typeof ChargeStatus>;

/** The longest charge reference. */
export const MAX_REFERENCE_LENGTH = 64;
const Reference = Type.String({ minLength: 1, maxLength: MAX_REFERENCE_LENGTH, pattern: '^[A-Za-z0-9_.:-]+$', description: 'The caller\'s key for this charge; the same reference never charges twice' });

export const Charge = Type.Object({
  id: Type.String({ description: 'The provider\'s id, e.g. ch_12' }),
  reference: Reference,
  order_id: Id,
  amount: Money,
  status: ChargeStatus,
  /** Why a charge was DECLINED. */
  decline_code: Type.Optional(Type.String()),
  created_at: Timestamp,
  refunded_at: Type.Optional(Timestamp),
});
export type Charge = Static<typeof Charge>;

/** Body of `POST /v1/charges`. 201 SUCCEEDED (200 with the same charge when the reference was seen), 402 DECLINED, 409 VOIDED reference, 503 a simulated outage. */
export const CreateCharge = Type.Object({ reference: Reference, order_id: Id, amount: Money }, { additionalProperties: false });
export type CreateCharge = Static<typeof CreateCharge>;

/**
 * Body of `POST /v1/refunds`: refund the charge of a reference, or void the reference if it was never
 * charged. Idempotent. The order and amount are those the charge was (or would have been) made
 * with: a voided reference is recorded with them, so the ledger shows what was prevented, and a
 * refund that names another order or amount than the charge is refused (422), as a charge replay is.
 */
export const CreateRefund = Type.Object({ reference: Reference, order_id: Id, amount: Money }, { additionalProperties: false });
export type CreateRefund = Static<typeof CreateRefund>;

/**
 * How the simulated provider behaves, set by `PUT /v1/behaviour` (service credential; the gateway's
 * admin API passes it on). Each rate is a probability from 0 to 1 per request.
 */
export const ProviderBehaviour = Type.Object(
  {
    decline_rate: Type.Number({ minimum: 0, maximum: 1, description: 'Share of new charges declined (402 card_declined)' }),
    failure_rate: Type.Number({ minimum: 0, maximum: 1, description: 'Share of requests (charges and refunds) answered 503 before doing anything' }),
    latency_ms: Type.Integer({ minimum: 0, maximum: 30_000, description: 'Added to every charge and refund, after the work is done: a caller that gives up first does not know the outcome' }),
  },
  { additionalProperties: false },
);
export type ProviderBehaviour = Static<typeof ProviderBehaviour>;

/** Body of `GET /v1/ledger`: the totals and every charge (`?order_id=` for some orders), newest first. */
export const ProviderLedger = Type.Object({
  charged: Type.Number({ minimum: 0, description: 'Sum of every charge that succeeded (refunded ones included)' }),
  refunded: Type.Number({ minimum: 0 }),
  net: Type.Number({ description: 'charged - refunded' }),
  charges: Type.Array(Charge),
});
export type ProviderLedger = Static<typeof ProviderLedger>;
