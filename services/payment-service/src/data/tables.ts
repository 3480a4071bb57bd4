import type { EventTables, IdempotencyTables } from '@microshop/chassis';
import type { PaymentStatus, SagaEntry, SagaStepName } from '@microshop/contracts';
import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * The `payments` table: each payment and the state of its saga. Amounts are integer cents; the order
 * is an id owned by the Order service.
 */
export interface PaymentsTable {
  id: Generated<number>;
  order_id: number;
  amount_cents: number;
  status: PaymentStatus;
  created_at: string;
  updated_at: string;
  /** The saga step to run next while PENDING; null once final. */
  step: SagaStepName | null;
  /** Why a payment is FAILED or REFUNDED. */
  reason: string | null;
  /** The provider's id of the charge, once it succeeded. */
  charge_id: string | null;
  /** Attempts of the current step so far (reset when the saga moves on). */
  attempts: number;
  /** Epoch ms before which the step is not tried again (its backoff). */
  next_attempt_at: number;
  /** Epoch ms until which `lease_owner` runs this saga; another runner takes it over after. */
  lease_until: number;
  /** Who holds the lease: every write of a step checks it, so a runner that lost its lease writes nothing. */
  lease_owner: string | null;
  /** 1 once the Order service announced the order cancelled (OrderCancelled): a payment not yet charged stops. */
  order_cancelled: number;
}

/** One line of a saga's log: what a step did, for the timeline. */
export interface SagaLogTable {
  id: Generated<number>;
  payment_id: number;
  step: SagaEntry['step'];
  outcome: SagaEntry['outcome'];
  attempt: number;
  detail: string;
  trace_id: string | null;
  at: string;
}

/** Every table the Payment service owns. No other service reads them. */
export interface PaymentTables extends IdempotencyTables, EventTables {
  payments: PaymentsTable;
  saga_log: SagaLogTable;
}

export type PaymentRow = Selectable<PaymentsTable>;
export type NewPaymentRow = Insertable<PaymentsTable>;
export type SagaLogRow = Selectable<SagaLogTable>;
