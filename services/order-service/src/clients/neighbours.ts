import { createResourceClient, createServiceClient, type Resilience, type ServiceClient } from '@microshop/chassis';
import { Product, User } from '@microshop/contracts';
import type { OrderDeps } from '../domain/deps.js';

export interface NeighbourOptions {
  userServiceUrl: string;
  productServiceUrl: string;
  timeoutMs: number;
  /** The app's resilience (breakers, retries, bulkheads, timeouts); see `resilienceOf`. */
  resilience?: Resilience | undefined;
}

/** The Order service's view of its neighbours, and the pools to close on shutdown. */
export function connectNeighbours({ userServiceUrl, productServiceUrl, timeoutMs, resilience }: NeighbourOptions): Pick<OrderDeps, 'users' | 'products'> & { close(): Promise<void> } {
  const userClient: ServiceClient = createServiceClient({ service: 'user-service', baseUrl: userServiceUrl, timeoutMs, resilience });
  const productClient: ServiceClient = createServiceClient({ service: 'product-service', baseUrl: productServiceUrl, timeoutMs, resilience });
  return {
    users: createResourceClient<User>(userClient, '/api/users', User),
    products: createResourceClient<Product>(productClient, '/api/products', Product),
    close: async () => {
      await Promise.all([userClient.close(), productClient.close()]);
    },
  };
}
