import { AppError, type Page, type PageResult } from '@microshop/chassis';
import type { OrderWithParties } from '@microshop/contracts';
import type { OrderDeps } from './deps.js';
import { toOrder } from './order-view.js';

export interface ListOrdersOptions {
  /** Only this user's orders. */
  userId?: number | undefined;
  /** Embed each order's user and product (default). */
  embed?: boolean | undefined;
}

/** A page of orders, and the neighbours whose part is missing from it. */
export interface OrdersPage extends PageResult<OrderWithParties> {
  /** Services that could not be reached: their `user` or `product` is null in every order. */
  degraded: string[];
}

/** The neighbour's answer, or `undefined` when it is down (a 5xx problem): the page does without it. */
async function orNothing<T>(read: Promise<T[]>): Promise<{ value: T[]; failed?: string }> {
  try {
    return { value: await read };
  } catch (error) {
    if (error instanceof AppError && error.status >= 500) return { value: [], failed: error.service ?? 'unknown' };
    throw error;
  }
}

/**
 * A page of orders, newest first, each with its user and product embedded. However many orders
 * the page holds, embedding costs one call to the User service and one to the Product service, made
 * at the same time. Without embedding, no other service is called. A neighbour that is down does not
 * sink the page: its part is null in every order, and it is named in `degraded`.
 */
export async function listOrders(deps: OrderDeps, page: Page, { userId, embed = true }: ListOrdersOptions = {}): Promise<OrdersPage> {
  const { items, total } = await deps.orders.list(page, { userId });
  if (!embed) return { items: items.map(toOrder), total, degraded: [] };

  const [users, products] = await Promise.all([
    orNothing(deps.users.findMany(items.map((o) => o.user_id))),
    orNothing(deps.products.findMany(items.map((o) => o.product_id))),
  ]);
  const usersById = new Map(users.value.map((u) => [u.id, u]));
  const productsById = new Map(products.value.map((p) => [p.id, p]));
  return {
    items: items.map((row) => ({
      ...toOrder(row),
      user: usersById.get(row.user_id) ?? null,
      product: productsById.get(row.product_id) ?? null,
    })),
    total,
    degraded: [users.failed, products.failed].filter((name): name is string => name !== undefined),
  };
}
