import type { Page, PageResult } from '@microshop/chassis';
import type { Payment } from '@microshop/contracts';
import type { PaymentDeps } from './deps.js';
import { toPayment } from './payment-view.js';

/** Payments newest first, one page at a time. */
export async function listPayments({ payments }: Pick<PaymentDeps, 'payments'>, page: Page): Promise<PageResult<Payment>> {
  const { items, total } = await payments.list(page);
  return { items: items.map(toPayment), total };
}
