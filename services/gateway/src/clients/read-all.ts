import { AppError, matchesContract, type ServiceClient } from '@microshop/chassis';
import { MAX_PAGE_SIZE, Order, Payment, ProviderLedger, StockLedger, TOTAL_COUNT_HEADER, type Charge } from '@microshop/contracts';
import { Type } from 'typebox';
import { mergePages } from '../domain/consistency.js';
import { listOutboxes } from '../domain/outbox-operations.js';
import type { AdminClients, InternalTarget } from './admin-clients.js';
import type { Upstreams } from './upstreams.js';

const OrderList = Type.Array(Order);
const PaymentList = Type.Array(Payment);

/** A read that went wrong, as the 503 problem naming the service the checker could not read. */
function unreadable(service: string, path: string, reason: string, cause?: unknown): AppError {
  return AppError.unavailable(service, `The consistency check could not read ${service} (GET ${path}): ${reason}`, cause);
}

/**
 * Every row of a list endpoint, page by page (`?limit=1000&offset=`) until `X-Total-Count` rows
 * are read or a page comes back short, merged so that each id is counted once.
 */
export async function readAllRows<T extends { id: number }>(client: ServiceClient, path: string, schema: object, extra: Record<string, string> = {}): Promise<T[]> {
  const pages: T[][] = [];
  for (let offset = 0, read = 0; ; offset += MAX_PAGE_SIZE) {
    let answer;
    try {
      answer = await client.call<unknown>({ path, query: { ...extra, limit: MAX_PAGE_SIZE, offset } });
    } catch (error) {
      throw unreadable(client.service, path, error instanceof Error ? error.message : String(error), error);
    }
    const { status, headers, body } = answer;
    if (status !== 200 || !matchesContract<T[]>(schema, body)) throw unreadable(client.service, path, `it answered ${status}${status === 200 ? ' with a body outside its contract' : ''}`);
    pages.push(body);
    read += body.length;
    const total = Number(headers[TOTAL_COUNT_HEADER] ?? read);
    if (body.length < MAX_PAGE_SIZE || read >= total) return mergePages(pages);
  }
}

/**
 * Reads every payment, then every order (in that order: see `checkConsistency`), over the
 * monitoring clients so that the check never counts as the system's traffic.
 */
export async function readLedger(upstreams: Upstreams): Promise<{ orders: Order[]; payments: Payment[] }> {
  const payments = await readAllRows<Payment>(upstreams['payment-service'].probe, '/api/payments', PaymentList);
  const orders = await readAllRows<Order>(upstreams['order-service'].probe, '/api/orders', OrderList, { embed: 'false' });
  return { orders, payments };
}

/** Where the checker reads what it checks beyond orders and payments. */
export interface LedgerSources {
  upstreams: Upstreams;
  /** Product's `/internal/stock` and every outbox, with the service credential. */
  admin: AdminClients;
  /** The payment provider's `/v1/ledger`, with the service credential; absent: not checked. */
  provider?: ServiceClient | undefined;
}

/** What the checker could read: orders and payments always (else 503), the rest when it answered. */
export interface FullLedger {
  orders: Order[];
  payments: Payment[];
  charges: Charge[] | undefined;
  stock: StockLedger | undefined;
  eventsPending: number;
  unavailable: string[];
}

async function readOptional<T>(client: ServiceClient, path: string, schema: object): Promise<{ body: T; headers: Record<string, string | string[] | undefined> }> {
  const { status, headers, body } = await client.call<unknown>({ path });
  if (status !== 200 || !matchesContract<T>(schema, body)) throw new Error(`${client.service} answered ${status} to GET ${path}`);
  return { body, headers };
}

const cents = (amount: number) => Math.round(amount * 100);

/**
 * The provider's charges, when its answer lists them all. It lists at most so many (the newest),
 * while its `charged` total counts every one: when the listed charges that took money do not add up
 * to it, the oldest are missing, and checking orders against them would report false violations.
 */
async function readCharges(provider: ServiceClient): Promise<Charge[] | 'incomplete'> {
  const { body: ledger } = await readOptional<ProviderLedger>(provider, '/v1/ledger', ProviderLedger);
  const listed = ledger.charges.filter((c) => c.status === 'SUCCEEDED' || c.status === 'REFUNDED').reduce((sum, c) => sum + cents(c.amount), 0);
  return listed === cents(ledger.charged) ? ledger.charges : 'incomplete';
}

/**
 * Product's books from the first of its instances that answers (they share one database), when
 * they list every reservation: past its cap Product lists only the newest, and `X-Total-Count`
 * says how many there are; a PAID order whose reservation was left out would look unreserved.
 */
async function readStock(product: InternalTarget): Promise<StockLedger | 'incomplete'> {
  for (const instance of product.instances()) {
    try {
      const { body, headers } = await readOptional<StockLedger>(product.of(instance), '/internal/stock', StockLedger);
      const total = Number(headers[TOTAL_COUNT_HEADER] ?? body.reservations.length);
      return total > body.reservations.length ? 'incomplete' : body;
    } catch {
      // The next instance may answer.
    }
  }
  throw new Error('no instance of product-service answered');
}

/**
 * Everything the checker compares, read in the order that keeps it free of false alarms: the
 * outboxes' backlog, then the provider's charges, then payments, then orders, then stock (each
 * later read is at least as new as the one before it). The provider, Product's books and the
 * outboxes are optional: one that does not answer, or answers with a list cut short, is named in
 * `unavailable` and its rules skipped.
 */
export async function readFullLedger({ upstreams, admin, provider }: LedgerSources): Promise<FullLedger> {
  const unavailable: string[] = [];
  const outboxes = await listOutboxes(admin);
  let eventsPending = 0;
  for (const { service, outbox } of outboxes.services) {
    if (outbox) eventsPending += outbox.pending;
    else unavailable.push(`${service} outbox`);
  }
  /** Counts again after the other reads: a change made meanwhile has its events pending, so its mismatch is settling, not broken. */
  const pendingAfter = async () => (await listOutboxes(admin)).services.reduce((n, { outbox }) => n + (outbox?.pending ?? 0), 0);
  let charges: Charge[] | undefined;
  if (provider) {
    try {
      const read = await readCharges(provider);
      if (read === 'incomplete') unavailable.push('payment-provider (its ledger lists only its latest charges)');
      else charges = read;
    } catch {
      unavailable.push('payment-provider');
    }
  } else {
    unavailable.push('payment-provider');
  }
  const { orders, payments } = await readLedger(upstreams);
  let stock: StockLedger | undefined;
  try {
    const read = await readStock(admin.internal['product-service']);
    if (read === 'incomplete') unavailable.push('product-service stock (it lists only its latest reservations)');
    else stock = read;
  } catch {
    unavailable.push('product-service stock');
  }
  return { orders, payments, charges, stock, eventsPending: Math.max(eventsPending, await pendingAfter()), unavailable };
}
