import type { ResourceClient } from '@microshop/chassis';
import type { Product, User } from '@microshop/contracts';
import type { OrderRepository } from '../data/order-repository.js';

/** What the Order service's use cases need: passed in, never imported. */
export interface OrderDeps {
  orders: OrderRepository;
  /** The Product service's catalogue, read over HTTP. */
  products: ResourceClient<Product>;
  /** The User service's users, read over HTTP. */
  users: ResourceClient<User>;
  now: () => Date;
  /** How long an order holding stock may stay unpaid before it expires (and its stock is released). */
  orderExpiryMs: number;
}
