import { BaseConfig, DatabaseConfig, DiscoveryConfig, EventsConfig, readConfig, TestHooksConfig } from '@microshop/chassis';
import { SERVICES } from '@microshop/contracts';
import { Type, type Static } from 'typebox';

const PaymentServiceConfig = Type.Object({
  ...BaseConfig,
  ...DatabaseConfig,
  ...DiscoveryConfig,
  ...EventsConfig,
  ...TestHooksConfig,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: SERVICES['payment-service'].port }),
  DATABASE_FILE: Type.String({ minLength: 1, default: SERVICES['payment-service'].database }),
  /** Explicit address of the Order service: a URL, several separated by commas, or dns+http://name:port; unset: found through the registry (or on its default port without one). */
  ORDER_SERVICE_URL: Type.Optional(Type.String({ pattern: '^(dns\\+)?https?://' })),
  /** Explicit address of the payment provider, as for ORDER_SERVICE_URL. */
  PAYMENT_PROVIDER_URL: Type.Optional(Type.String({ pattern: '^(dns\\+)?https?://' })),
  /** Budget of one call to the payment provider. */
  PROVIDER_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 4000 }),
  /**
   * How long `POST /api/payments` waits for its saga before answering 202. A caller's `x-budget-ms`
   * (its first-byte wait: the gateway's is 1 s) shortens it further, less a margin for the way back.
   */
  PAYMENT_BUDGET_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 800 }),
  /** Attempts of `charge` or `confirm` before the saga compensates. */
  SAGA_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  /** First wait after a failed step (doubled each time, jittered), and its ceiling. */
  SAGA_BACKOFF_MS: Type.Integer({ minimum: 1, maximum: 60_000, default: 200 }),
  SAGA_MAX_BACKOFF_MS: Type.Integer({ minimum: 1, maximum: 600_000, default: 5000 }),
  /** How long a runner owns a saga without renewing it: a dead runner's sagas resume after this (at once when the same instance restarts). */
  SAGA_LEASE_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 5000 }),
});
export type PaymentServiceConfig = Static<typeof PaymentServiceConfig>;

/** Reads and validates the Payment service's configuration; a bad value throws naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): PaymentServiceConfig => readConfig(PaymentServiceConfig, env);
