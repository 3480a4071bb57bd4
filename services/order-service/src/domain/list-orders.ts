import type { Page, PageResult } from '@microshop/chassis';
import type { OrderWithParties } from '@microshop/contracts';
import type { OrderDeps } from './deps.js';
import { toOrder } from './order-view.js';

export interface ListOrdersOptions {
  /** Only this user's orders. */
  userId?: number | undefined;
  /** Embed each order's user and product (default). */
  embed?: boolean | undefined;
}

/**
 * A page of orders, newest first, each with its user and product embedded. However many orders
 * the page holds, embedding costs one call to the User service and one to the Product service, made
 * at the same time. Without embedding, no other service is called.
 */
export async function listOrders(deps: OrderDeps, page: Page, { userId, embed = true }: ListOrdersOptions = {}): Promise<PageResult<OrderWithParties>> {
  const { items, total } = await deps.orders.list(page, { userId });
  if (!embed) return { items: items.map(toOrder), total };

  const [userList, productList] = await Promise.all([
    deps.users.findMany(items.map((o) => o.user_id)),
    deps.products.findMany(items.map((o) => o.product_id)),
  ]);
  const usersById = new Map(userList.map((u) => [u.id, u]));
  const productsById = new Map(productList.map((p) => [p.id, p]));
  return {
    items: items.map((row) => ({
      ...toOrder(row),
      user: usersById.get(row.user_id) ?? null,
      product: productsById.get(row.product_id) ?? null,
    })),
    total,
  };
}
