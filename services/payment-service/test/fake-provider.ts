import type { Charge, CreateCharge } from '@microshop/contracts';
import { callerIn, startFakeService, type FakeResponse, type RecordedCall, type TestKeys } from '@microshop/testkit';

type Kind = 'charges' | 'refunds';

/**
 * The payment provider faked at the HTTP level, behaving as the real one does (services/payment-provider,
 * contracts in packages/contracts/src/provider.ts), with knobs to make it decline, fail or be slow,
 * and its ledger to assert on.
 *
 * - `POST /v1/charges {reference, order_id, amount}`: 201 SUCCEEDED; the same reference again: 200 with
 *   the same charge (never a second one); 402 declined (and again every time the reference comes
 *   back); 409 when a refund voided the reference first; 422 when a reference comes back with
 *   another order or amount.
 * - `POST /v1/refunds {reference, order_id, amount}`: 200 with the charge as it then stands:
 *   REFUNDED (the money given back, once), or VOIDED when nothing was charged (a charge arriving
 *   later with the reference is refused).
 * - A failure (503) happens before anything is done; a delay comes after the work is done, so a
 *   caller that stops waiting cannot tell what happened (as with the real provider's latency).
 * - Every route needs the Payment service's token for the provider (401 without a valid one, 403
 *   for another service's).
 */
export interface FakeProvider {
  url: string;
  /** Every request received, in order. */
  calls: RecordedCall[];
  /** Each reference's charge as it stands now: SUCCEEDED, DECLINED, REFUNDED or VOIDED. */
  ledger: Map<string, Charge>;
  /** The references whose money was given back, in the order it happened (at most once each). */
  refunded: string[];
  /** The next `n` new charges are declined. */
  declineNext(n: number): void;
  /** The next `n` requests of that kind answer 503 before doing anything; `Infinity`: every one. */
  failNext(kind: Kind, n: number): void;
  /** The answers to that kind are held back this long, after the work is done. */
  delay(kind: Kind, ms: number): void;
  /** Runs when a charge takes the money, before the answer goes out (to change a neighbour at that exact moment). */
  onCharge(hook: (charge: Charge) => void): void;
  /** A charge the provider already made before the test (a runner sent it, then died before recording it). */
  seedCharge(request: CreateCharge): Charge;
  /** The requests of one kind that arrived, for one reference or all. */
  requests(kind: Kind, reference?: string): RecordedCall[];
  close(): Promise<void>;
}

const problem = (status: number, code: string, detail: string): FakeResponse => ({ status, body: { type: `/problems/${code}`, title: code, status, detail } });

export async function startFakeProvider(keys: TestKeys): Promise<FakeProvider> {
  const fake = await startFakeService();
  const identity = keys.identity('payment-provider');
  const ledger = new Map<string, Charge>();
  const refunded: string[] = [];
  const failures: Record<Kind, number> = { charges: 0, refunds: 0 };
  const delays: Record<Kind, number> = { charges: 0, refunds: 0 };
  let declines = 0;
  let chargeHook: (charge: Charge) => void = () => undefined;
  let nextId = 1;

  const record = ({ reference, order_id, amount }: CreateCharge, status: Charge['status']): Charge => {
    const charge: Charge = { id: `ch_${nextId++}`, reference, order_id, amount, status, ...(status === 'DECLINED' ? { decline_code: 'card_declined' } : {}), created_at: new Date().toISOString() };
    ledger.set(reference, charge);
    return charge;
  };
  const answer = (kind: Kind, response: FakeResponse): FakeResponse => (delays[kind] > 0 ? { ...response, delayMs: delays[kind] } : response);

  /** The checks every request goes through first: the caller's token, then the simulated outage. */
  const refuse = (kind: Kind, call: RecordedCall): FakeResponse | undefined => {
    const caller = callerIn(identity, call.headers);
    if (caller === undefined) return problem(401, 'unauthenticated', 'the service token is missing, or not valid for the provider');
    if (caller !== 'payment-service') return problem(403, 'forbidden', `${caller} may not charge or refund`);
    if (failures[kind] > 0) {
      failures[kind]--;
      return problem(503, 'unavailable', 'The payment provider is unavailable (simulated outage); nothing was done, send the request again');
    }
    return undefined;
  };
  const sameCharge = (charge: Charge, { order_id, amount }: CreateCharge) => charge.order_id === order_id && charge.amount === amount;
  const mismatch = (charge: Charge) => problem(422, 'unprocessable', `${charge.reference} is ${charge.id}, for order ${charge.order_id} and amount ${charge.amount}`);
  const declined = (charge: Charge) => problem(402, 'card-declined', `Charge ${charge.id} for reference ${charge.reference} was declined (card_declined); no money was taken`);

  fake.on('POST', '/v1/charges', (call) => {
    const refused = refuse('charges', call);
    if (refused) return refused;
    const request = call.body as CreateCharge;
    const seen = ledger.get(request.reference);
    if (seen) {
      if (seen.status === 'VOIDED') return answer('charges', problem(409, 'conflict', `reference ${seen.reference} voided: a refund closed it before any charge; no money was taken`));
      if (!sameCharge(seen, request)) return answer('charges', mismatch(seen));
      if (seen.status === 'DECLINED') return answer('charges', declined(seen));
      return answer('charges', { status: 200, body: seen });
    }
    if (declines > 0) {
      declines--;
      return answer('charges', declined(record(request, 'DECLINED')));
    }
    const charge = record(request, 'SUCCEEDED');
    chargeHook(charge);
    return answer('charges', { status: 201, body: charge });
  });

  fake.on('POST', '/v1/refunds', (call) => {
    const refused = refuse('refunds', call);
    if (refused) return refused;
    const request = call.body as CreateCharge;
    const charge = ledger.get(request.reference) ?? record(request, 'VOIDED');
    if (!sameCharge(charge, request)) return answer('refunds', mismatch(charge));
    if (charge.status === 'SUCCEEDED') {
      const refund: Charge = { ...charge, status: 'REFUNDED', refunded_at: new Date().toISOString() };
      ledger.set(charge.reference, refund);
      refunded.push(charge.reference);
      return answer('refunds', { status: 200, body: refund });
    }
    return answer('refunds', { status: 200, body: charge });
  });

  return {
    url: fake.url,
    calls: fake.calls,
    ledger,
    refunded,
    declineNext: (n) => void (declines = n),
    failNext: (kind, n) => void (failures[kind] = n),
    delay: (kind, ms) => void (delays[kind] = ms),
    onCharge: (hook) => void (chargeHook = hook),
    seedCharge: (request) => record(request, 'SUCCEEDED'),
    requests: (kind, reference) =>
      fake.calls.filter((call) => call.path === `/v1/${kind}` && (reference === undefined || (call.body as CreateCharge | undefined)?.reference === reference)),
    close: () => fake.close(),
  };
}
