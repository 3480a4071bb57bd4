import { AppError, fromCents, toCents } from '@microshop/chassis';
import type { Payment, UserDetails } from '@microshop/contracts';
import type { Resources } from '../clients/resources.js';
import { settle, valueOr, type Branch } from './settle.js';

/** Epoch milliseconds by which the whole view must be done. */
export interface ComposeOptions {
  deadline: number;
}

function summarize(orderCount: number | null, payments: Payment[] | null): UserDetails['summary'] {
  const completed = payments?.filter((p) => p.status === 'COMPLETED') ?? null;
  return {
    total_orders: orderCount,
    total_payments: completed ? completed.length : null,
    total_spent: completed ? fromCents(completed.reduce((sum, p) => sum + toCents(p.amount, 'amount'), 0)) : null,
  };
}

/**
 * A user with all their orders and those orders' payments. The user and their orders are asked for
 * at the same time; the payments as soon as the orders are known. The user is the root: its owner
 * down is a 503 and an unknown id a 404. Orders or payments missing leave the view answering, with
 * the missing parts null and named in `degraded`.
 */
export async function userDetails(resources: Resources, id: number, { deadline }: ComposeOptions): Promise<UserDetails> {
  const ordersBranch = settle(resources.ordersOfUser(id, { deadline }));
  const paymentsBranch = ordersBranch.then(
    (orders): Promise<Branch<Payment[]>> =>
      orders.ok ? settle(resources.paymentsOfOrders(orders.value.map((o) => o.id), { deadline })) : Promise.resolve(orders),
  );
  // Both branches are settled promises: if the user read fails first, nothing is left unhandled.
  const user = await resources.users.find(id, { deadline });
  if (!user) throw AppError.notFound('user', id);

  const [orders, payments] = await Promise.all([ordersBranch, paymentsBranch]);
  const degraded = [...(orders.ok ? [] : ['orders']), ...(payments.ok ? [] : ['payments'])];
  return {
    user,
    orders: valueOr(orders),
    payments: valueOr(payments),
    summary: summarize(orders.ok ? orders.value.length : null, valueOr(payments)),
    degraded,
  };
}
