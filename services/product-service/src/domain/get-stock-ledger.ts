import type { StockLedger } from '@microshop/contracts';
import type { ProductDeps } from './deps.js';

/** The stock ledger, and how many reservations matched (more than listed when capped). */
export interface StockLedgerResult {
  ledger: StockLedger;
  reservationsTotal: number;
}

/**
 * The books of every product that tracks stock (received, available, reserved, sold: received is
 * always the sum of the other three) and the reservations of the given orders, or the most recent
 * ones. For the consistency check and the order timeline.
 */
export async function getStockLedger({ stock }: Pick<ProductDeps, 'stock'>, orderIds?: readonly number[]): Promise<StockLedgerResult> {
  const [products, reservations] = await Promise.all([stock.books(), stock.reservations(orderIds && [...new Set(orderIds)])]);
  return { ledger: { products, reservations: reservations.items }, reservationsTotal: reservations.total };
}
