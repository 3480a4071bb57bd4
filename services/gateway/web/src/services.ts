import type { MAX_REPLICAS as CONTRACT_MAX_REPLICAS } from '@microshop/contracts';

/** A process of the system, as the UI draws it. */
export interface ServiceInfo {
  name: string;
  /** Short name for labels: "Order". */
  label: string;
  port: number;
  /** Its database file, or null for the gateway. */
  database: string | null;
  /** What it owns, in a few words. */
  owns: string;
  /** CSS class carrying its colour. */
  tone: string;
}

/** The gateway and the four services, in the spec's order, then the simulated payment provider the Payment service charges through. */
export const SERVICES: readonly ServiceInfo[] = [
  { name: 'gateway', label: 'Gateway', port: 5000, database: null, owns: 'the public door, composed views, this UI', tone: 'tone-gateway' },
  { name: 'user-service', label: 'User', port: 5001, database: 'users.db', owns: 'users', tone: 'tone-user' },
  { name: 'product-service', label: 'Product', port: 5002, database: 'products.db', owns: 'the catalogue and prices', tone: 'tone-product' },
  { name: 'order-service', label: 'Order', port: 5003, database: 'orders.db', owns: 'orders and their status', tone: 'tone-order' },
  { name: 'payment-service', label: 'Payment', port: 5004, database: 'payments.db', owns: 'payments and their saga', tone: 'tone-payment' },
  { name: 'payment-provider', label: 'Provider', port: 5011, database: 'provider.db', owns: 'a simulated card processor: charges and refunds', tone: 'tone-provider' },
];

/** The simulated payment provider: it stands for an outside company, so the diagram draws it below the system, under the Payment service. */
export const PROVIDER = 'payment-provider';

/** The service registry: every instance registers there, every client asks it where its neighbours are. Not a box of the call graph. */
export const REGISTRY: ServiceInfo = { name: 'registry', label: 'Registry', port: 5010, database: null, owns: 'where every instance is: each registers, callers look up', tone: 'tone-registry' };

/** The services that can run as several instances. */
export const SCALABLE: readonly string[] = ['user-service', 'product-service', 'order-service', 'payment-service'];

/** Most instances of one service (the contracts' value, checked at compile time: the UI bundles no contracts code). */
export const MAX_REPLICAS: typeof CONTRACT_MAX_REPLICAS = 6;

/** The calls the system makes by design: the gateway calls every service, Order calls User and Product, Payment calls Order and the provider. */
export const DESIGNED_EDGES: readonly (readonly [string, string])[] = [
  ['gateway', 'user-service'],
  ['gateway', 'product-service'],
  ['gateway', 'order-service'],
  ['gateway', 'payment-service'],
  ['order-service', 'user-service'],
  ['order-service', 'product-service'],
  ['payment-service', 'order-service'],
  ['payment-service', 'payment-provider'],
];

/** The UI's facts about a service by name; unknown names get a neutral look. */
export function serviceInfo(name: string): ServiceInfo {
  if (name === REGISTRY.name) return REGISTRY;
  return SERVICES.find((s) => s.name === name) ?? { name, label: name, port: 0, database: null, owns: '', tone: 'tone-other' };
}
