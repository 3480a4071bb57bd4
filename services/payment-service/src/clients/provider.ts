import { AppError, createServiceClient, matchesContract, resolverOf, type BalancingStrategy, type Resilience, type ServiceIdentity, type ServiceTarget } from '@microshop/chassis';
import { Charge, IDEMPOTENCY_KEY_HEADER } from '@microshop/contracts';
import type { ChargeOutcome, PaymentProvider } from '../domain/deps.js';

export interface ProviderOptions {
  /** The payment provider: a base URL, or a resolver of its instances. */
  provider: ServiceTarget;
  /** Budget of one call. Providers can be slow: longer than the calls between our own services. */
  timeoutMs: number;
  balancing?: BalancingStrategy | undefined;
  /** Our identity at the provider: its charge and refund routes take the Payment service's token only. */
  identity: ServiceIdentity;
  resilience?: Resilience | undefined;
}

const PROVIDER = 'payment-provider';

/**
 * The payment provider over HTTP. Both calls carry the charge's reference as their `Idempotency-Key`
 * too, so the client may retry them and a saga may send them again after a crash: the provider
 * charges (or refunds) a reference once.
 */
export function connectProvider({ provider, timeoutMs, balancing, identity, resilience }: ProviderOptions): PaymentProvider & { close(): Promise<void> } {
  const client = createServiceClient({ service: PROVIDER, resolver: resolverOf(PROVIDER, provider), timeoutMs, resilience: slowNeighbour(resilience, timeoutMs), identity, ...(balancing ? { balancing } : {}) });
  const headers = (reference: string) => ({ [IDEMPOTENCY_KEY_HEADER]: reference });
  const charge = (body: unknown): Charge => {
    if (!matchesContract<Charge>(Charge, body)) throw AppError.badGateway(PROVIDER, `${PROVIDER} answered a charge that does not match its contract`);
    return body;
  };

  return {
    async charge({ reference, order_id, amount }): Promise<ChargeOutcome> {
      const { status, body } = await client.call<unknown>({ method: 'POST', path: '/v1/charges', body: { reference, order_id, amount }, headers: headers(reference) });
      if (status === 200 || status === 201) {
        const answered = charge(body);
        // A reference seen before answers its charge as it is now: refunded by an earlier compensation.
        return answered.status === 'SUCCEEDED' ? { outcome: 'succeeded', charge: answered } : { outcome: 'voided', detail: `the charge ${answered.id} is ${answered.status}` };
      }
      if (status === 402) return { outcome: 'declined', detail: problemDetail(body) };
      if (status === 409) return { outcome: 'voided', detail: problemDetail(body) };
      throw AppError.badGateway(PROVIDER, `${PROVIDER} answered ${status} to a charge: ${problemDetail(body)}`);
    },
    async refund({ reference, order_id, amount }) {
      const { status, body } = await client.call<unknown>({ method: 'POST', path: '/v1/refunds', body: { reference, order_id, amount }, headers: headers(reference) });
      if (status === 200) return charge(body);
      throw AppError.badGateway(PROVIDER, `${PROVIDER} answered ${status} to a refund: ${problemDetail(body)}`);
    },
    close: () => client.close(),
  };
}

/**
 * The app's resilience (same switches, breakers, bulkheads and retry budget), but letting an attempt
 * wait for its first byte as long as the provider's own budget: the process-wide first-byte limit
 * (`FIRST_BYTE_TIMEOUT_MS`, 1 s by default) is meant for our own services, and would otherwise cut
 * off every provider answer slower than it, however long `PROVIDER_TIMEOUT_MS` allows.
 */
function slowNeighbour(resilience: Resilience | undefined, timeoutMs: number): Resilience | undefined {
  if (!resilience || resilience.settings.first_byte_timeout_ms >= timeoutMs) return resilience;
  return { ...resilience, settings: { ...resilience.settings, first_byte_timeout_ms: timeoutMs } };
}

function problemDetail(body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  return typeof detail === 'string' ? detail : 'no detail';
}
