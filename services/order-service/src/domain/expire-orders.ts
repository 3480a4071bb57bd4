import type { OrderDeps } from './deps.js';

/** Orders expired per sweep at most: a backlog is worked off over the next sweeps. */
export const EXPIRED_PER_SWEEP = 100;

/**
 * Cancels, reason `expired`, the PENDING orders whose `expires_at` has passed, each with its
 * OrderCancelled, so the Product service releases their stock. Only orders holding stock have an
 * `expires_at`: the spec's orders never expire. Each cancellation is a conditional transition of
 * its own: with several replicas sweeping, an order is cancelled once, by whichever gets there
 * first, and one paid in the meantime is left alone. Resolves how many this sweep cancelled.
 */
export async function expireOrders({ orders, now }: Pick<OrderDeps, 'orders' | 'now'>): Promise<number> {
  const at = now().toISOString();
  let expired = 0;
  for (const order of await orders.findExpired(at, EXPIRED_PER_SWEEP)) {
    if (await orders.transition(order.id, { from: 'PENDING', to: 'CANCELLED', at, reason: 'expired' })) expired++;
  }
  return expired;
}
