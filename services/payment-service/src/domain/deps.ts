import type { Order } from '@microshop/contracts';
import type { PaymentRepository } from '../data/payment-repository.js';

/** The Order service, as the Payment service needs it. */
export interface OrderDesk {
  /** The order, or undefined when the Order service says 404. */
  find(id: number): Promise<Order | undefined>;
  /**
   * Asks the Order service to set the order PAID. `paid`: it is PAID now (also when it already
   * was). `refused`: the order cannot become PAID (it was cancelled).
   */
  markPaid(id: number): Promise<'paid' | 'refused'>;
}

/** What the Payment service's use cases need: passed in, never imported. */
export interface PaymentDeps {
  payments: PaymentRepository;
  orders: OrderDesk;
  now: () => Date;
  /**
   * How long a PENDING payment belongs to the request that created it. After that, the next
   * request for the same order finishes it instead of being told it is in progress.
   */
  pendingGraceMs: number;
}
