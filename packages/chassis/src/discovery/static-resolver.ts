import { trimUrl, type Resolver, type ServiceInstance } from './instance.js';

/**
 * A fixed list of base URLs: one per instance, or a single one in front of many (a Kubernetes
 * Service, whose virtual IP the cluster balances). Each instance's id is its URL.
 *
 * @example
 * staticResolver('product-service', ['http://127.0.0.1:5002', 'http://127.0.0.1:6002'])
 */
export function staticResolver(service: string, urls: readonly string[]): Resolver {
  const instances: readonly ServiceInstance[] = Object.freeze(urls.map((url) => ({ id: trimUrl(url), url: trimUrl(url) })));
  return { service, source: 'static', instances: () => instances };
}

/**
 * Exactly one instance, as discovery listed it (an in-process module keeps its target): for what must
 * reach every instance rather than any one, such as health checks and metric scrapes.
 *
 * @example
 * createServiceClient({ service: 'order-service', resolver: pinnedResolver('order-service', instance), timeoutMs: 500 })
 */
export function pinnedResolver(service: string, instance: ServiceInstance): Resolver {
  const instances: readonly ServiceInstance[] = Object.freeze([instance]);
  return { service, source: 'static', instances: () => instances };
}

/** A neighbour given either as a base URL (one fixed instance) or as a resolver. */
export type ServiceTarget = string | Resolver;

/** The resolver of a {@link ServiceTarget}. */
export function resolverOf(service: string, target: ServiceTarget): Resolver {
  return typeof target === 'string' ? staticResolver(service, [target]) : target;
}
