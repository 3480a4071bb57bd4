import { AppError, neighbourCents, traced } from '@microshop/chassis';
import type { Order, PlaceOrder } from '@microshop/contracts';
import type { OrderDeps } from './deps.js';
import { toOrder } from './order-view.js';

/**
 * Places an order: asks the User service that the buyer exists and the Product service for the
 * current price (both at once), computes the total in cents (999.99 × 3 = 2999.97 exactly) and
 * stores the order as PENDING. Nothing is stored when either answer is missing or a neighbour is down.
 *
 * For a product that tracks stock, the order is stored AWAITING its reservation, which the Product
 * service makes when it receives OrderCreated (StockReserved or StockRejected come back as events),
 * and with an expiry: unpaid by then, it is cancelled and its stock released. A quantity above the
 * stock Product just showed is refused at once (409 naming `quantity`): the buyer learns now rather
 * than from a cancellation a moment later. That reading is only a snapshot, though, never a
 * reservation: concurrent orders may all pass it, and the reservation decides between them.
 */
export async function placeOrder({ orders, products, users, now, orderExpiryMs }: OrderDeps, input: PlaceOrder): Promise<Order> {
  const [user, product] = await Promise.all([users.find(input.user_id), products.find(input.product_id)]);
  if (!user) throw AppError.unprocessable('user_id', `no user with id ${input.user_id}`);
  if (!product) throw AppError.unprocessable('product_id', `no product with id ${input.product_id}`);
  if (product.stock !== undefined && input.quantity > product.stock) {
    throw AppError.conflict(`Product ${product.id} has ${product.stock} in stock; ${input.quantity} cannot be ordered`, 'quantity');
  }

  const totalCents = traced(
    'order.price',
    (step) => {
      const cents = neighbourCents(product.price, 'product-service', 'a price') * input.quantity;
      step.setAttribute('order.total_cents', cents);
      return cents;
    },
    { 'product.id': product.id, 'order.quantity': input.quantity },
  );

  const placedAt = now();
  const at = placedAt.toISOString();
  const row = await orders.insert({
    user_id: user.id,
    product_id: product.id,
    quantity: input.quantity,
    total_cents: totalCents,
    status: 'PENDING',
    created_at: at,
    updated_at: at,
    ...(product.stock === undefined ? {} : { stock_status: 'AWAITING', expires_at: new Date(placedAt.getTime() + orderExpiryMs).toISOString() }),
  });
  return toOrder(row);
}
