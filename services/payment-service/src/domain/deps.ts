import type { Charge, Order } from '@microshop/contracts';
import type { PaymentRepository } from '../data/payment-repository.js';

/** The Order service, as the Payment service needs it. */
export interface OrderDesk {
  /** The order, or undefined when the Order service says 404. */
  find(id: number): Promise<Order | undefined>;
  /**
   * Asks the Order service to set the order PAID. `paid`: it is PAID now (also when it already
   * was). `refused`: it cannot become PAID now (cancelled, or its stock is not confirmed).
   */
  markPaid(id: number): Promise<'paid' | 'refused'>;
  /**
   * Asks the Order service to cancel the order (the saga's compensation). `cancelled`: it is
   * CANCELLED now (also when it already was). `paid`: too late, it is PAID.
   */
  markCancelled(id: number): Promise<'cancelled' | 'paid'>;
}

/** What the provider said to a charge. `voided`: a refund closed the reference first. */
export type ChargeOutcome = { outcome: 'succeeded'; charge: Charge } | { outcome: 'declined'; detail: string } | { outcome: 'voided'; detail: string };

/** The payment provider (an outside card processor), as the saga needs it. Both calls are idempotent by `reference`. */
export interface PaymentProvider {
  charge(request: { reference: string; order_id: number; amount: number }): Promise<ChargeOutcome>;
  /** Gives the money of a reference back, or closes the reference when it was never charged. */
  refund(request: { reference: string; order_id: number; amount: number }): Promise<Charge>;
}

/** How the saga runs: its budget, backoff and lease. */
export interface SagaSettings {
  /** How long `POST /api/payments` waits for the saga before answering 202 with a link to poll. */
  budgetMs: number;
  /** Attempts of `charge` or `confirm` before the saga gives up on going forward and compensates. */
  maxAttempts: number;
  /** First wait after a failed attempt; doubled after each, with jitter, up to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** How long a runner owns a saga without renewing: a crashed runner's sagas are taken over after it. */
  leaseMs: number;
}

/** What the Payment service's use cases need: passed in, never imported. */
export interface PaymentDeps {
  payments: PaymentRepository;
  orders: OrderDesk;
  provider: PaymentProvider;
  saga: SagaSettings;
  now: () => Date;
  random?: () => number;
}
