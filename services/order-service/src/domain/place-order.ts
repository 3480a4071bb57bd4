import { AppError, neighbourCents, traced } from '@microshop/chassis';
import type { Order, PlaceOrder } from '@microshop/contracts';
import type { OrderDeps } from './deps.js';
import { toOrder } from './order-view.js';

/**
 * Places an order: asks the User service that the buyer exists and the Product service for the
 * current price (both at once), computes the total in cents (999.99 × 3 = 2999.97 exactly) and
 * stores the order as PENDING. Nothing is stored when either answer is missing or a neighbour is down.
 */
export async function placeOrder({ orders, products, users, now }: OrderDeps, input: PlaceOrder): Promise<Order> {
  const [user, product] = await Promise.all([users.find(input.user_id), products.find(input.product_id)]);
  if (!user) throw AppError.unprocessable('user_id', `no user with id ${input.user_id}`);
  if (!product) throw AppError.unprocessable('product_id', `no product with id ${input.product_id}`);

  const totalCents = traced(
    'order.price',
    (step) => {
      const cents = neighbourCents(product.price, 'product-service', 'a price') * input.quantity;
      step.setAttribute('order.total_cents', cents);
      return cents;
    },
    { 'product.id': product.id, 'order.quantity': input.quantity },
  );

  const at = now().toISOString();
  const row = await orders.insert({
    user_id: user.id,
    product_id: product.id,
    quantity: input.quantity,
    total_cents: totalCents,
    status: 'PENDING',
    created_at: at,
    updated_at: at,
  });
  return toOrder(row);
}
