/** The services of the system, their default ports and database files, as the spec lists them. */
export const SERVICES = {
  gateway: { port: 5000, database: null },
  'user-service': { port: 5001, database: 'database/users.db' },
  'product-service': { port: 5002, database: 'database/products.db' },
  'order-service': { port: 5003, database: 'database/orders.db' },
  'payment-service': { port: 5004, database: 'database/payments.db' },
  /** The service registry (discovery): instances register here, clients resolve names here. Not in the spec's list: its "Next Steps". */
  registry: { port: 5010, database: null },
  /**
   * A simulated card processor, standing for the outside company a real shop pays through (Stripe,
   * Adyen): it keeps its own ledger of charges and refunds, and can be told to decline, fail or be
   * slow. Not in the spec: the payment saga charges through it.
   */
  'payment-provider': { port: 5011, database: 'database/provider.db' },
} as const;

export type ServiceName = keyof typeof SERVICES;
export type BackendName = Exclude<ServiceName, 'gateway' | 'registry' | 'payment-provider'>;
export const BACKENDS = ['user-service', 'product-service', 'order-service', 'payment-service'] as const satisfies readonly BackendName[];

/** The services that can run as several instances (replicas) behind discovery. */
export const SCALABLE = BACKENDS;
/** Most instances of one service the supervisor runs (a 2-core machine gains nothing past a few). */
export const MAX_REPLICAS = 6;
