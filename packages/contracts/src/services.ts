/** The services of the system, their default ports and database files, as the spec lists them. */
export const SERVICES = {
  gateway: { port: 5000, database: null },
  'user-service': { port: 5001, database: 'database/users.db' },
  'product-service': { port: 5002, database: 'database/products.db' },
  'order-service': { port: 5003, database: 'database/orders.db' },
  'payment-service': { port: 5004, database: 'database/payments.db' },
  /** The service registry (discovery): instances register here, clients resolve names here. Not in the spec's list: its "Next Steps". */
  registry: { port: 5010, database: null },
} as const;

export type ServiceName = keyof typeof SERVICES;
export type BackendName = Exclude<ServiceName, 'gateway' | 'registry'>;
export const BACKENDS = ['user-service', 'product-service', 'order-service', 'payment-service'] as const satisfies readonly BackendName[];

/** The services that can run as several instances (replicas) behind discovery. */
export const SCALABLE = BACKENDS;
/** Most instances of one service the supervisor runs (a 2-core machine gains nothing past a few). */
export const MAX_REPLICAS = 6;
