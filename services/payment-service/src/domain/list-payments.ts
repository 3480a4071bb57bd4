import type { Page, PageResult } from '@microshop/chassis';
import type { Payment } from '@microshop/contracts';
import type { PaymentDeps } from './deps.js';
import { toPayment } from './payment-view.js';

/**
 * Payments newest first, one page at a time; or, given order ids, every payment of those orders in
 * one query (for views that compose orders with their payments).
 */
export async function listPayments({ payments }: Pick<PaymentDeps, 'payments'>, page: Page, orderIds?: readonly number[]): Promise<PageResult<Payment>> {
  if (orderIds) {
    const rows = await payments.findByOrderIds([...new Set(orderIds)]);
    return { items: rows.map(toPayment), total: rows.length };
  }
  const { items, total } = await payments.list(page);
  return { items: items.map(toPayment), total };
}
