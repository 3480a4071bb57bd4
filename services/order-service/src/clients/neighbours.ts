import { createResourceClient, createServiceClient, resolverOf, type BalancingStrategy, type Resilience, type ServiceClient, type ServiceTarget } from '@microshop/chassis';
import { Product, User } from '@microshop/contracts';
import type { OrderDeps } from '../domain/deps.js';

export interface NeighbourOptions {
  /** The User service: a base URL, or a resolver of its instances. */
  userService: ServiceTarget;
  /** The Product service: a base URL, or a resolver of its instances. */
  productService: ServiceTarget;
  timeoutMs: number;
  /** How an instance is picked for each call. */
  balancing?: BalancingStrategy | undefined;
  /** The app's resilience (breakers, retries, bulkheads, timeouts); see `resilienceOf`. */
  resilience?: Resilience | undefined;
}

/** The Order service's view of its neighbours, and the pools to close on shutdown. */
export function connectNeighbours({ userService, productService, timeoutMs, balancing, resilience }: NeighbourOptions): Pick<OrderDeps, 'users' | 'products'> & { close(): Promise<void> } {
  const userClient: ServiceClient = createServiceClient({ service: 'user-service', resolver: resolverOf('user-service', userService), timeoutMs, resilience, ...(balancing ? { balancing } : {}) });
  const productClient: ServiceClient = createServiceClient({ service: 'product-service', resolver: resolverOf('product-service', productService), timeoutMs, resilience, ...(balancing ? { balancing } : {}) });
  return {
    users: createResourceClient<User>(userClient, '/api/users', User),
    products: createResourceClient<Product>(productClient, '/api/products', Product),
    close: async () => {
      await Promise.all([userClient.close(), productClient.close()]);
    },
  };
}
