import type { Page, PageResult } from '@microshop/chassis';
import type { OrderWithParties } from '@microshop/contracts';
import type { OrderDeps } from './deps.js';
import { toOrder } from './order-view.js';

/**
 * A page of orders, newest first, each with its user and product embedded. However many orders
 * the page holds, it costs one call to the User service and one to the Product service, made at
 * the same time.
 */
export async function listOrders({ orders, users, products }: OrderDeps, page: Page): Promise<PageResult<OrderWithParties>> {
  const { items, total } = await orders.list(page);
  const [userList, productList] = await Promise.all([
    users.findMany(items.map((o) => o.user_id)),
    products.findMany(items.map((o) => o.product_id)),
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
