import { AppError, matchesContract, type ServiceClient } from '@microshop/chassis';
import { MAX_PAGE_SIZE, Order, Payment, TOTAL_COUNT_HEADER } from '@microshop/contracts';
import { Type } from 'typebox';
import { mergePages } from '../domain/consistency.js';
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
