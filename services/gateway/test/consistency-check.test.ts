import type { Charge, Order, Payment, StockLedger } from '@microshop/contracts';
import { describe, expect, test } from 'vitest';
import { formatReport } from '../src/cli/check-consistency.js';
import { checkConsistency, mergePages } from '../src/domain/consistency.js';

const NOW = Date.parse('2025-01-01T00:01:00.000Z');
const AT = '2025-01-01T00:00:00.000Z';
const order = (id: number, status: Order['status'], total = 10): Order => ({ id, user_id: 1, product_id: 1, quantity: 1, total, status, created_at: AT });
const payment = (id: number, order_id: number, status: Payment['status'], amount = 10, created_at = AT): Payment => ({ id, order_id, amount, status, created_at });
const rules = (orders: Order[], payments: Payment[], extra: { charges?: Charge[]; stock?: StockLedger; eventsPending?: number } = {}) =>
  checkConsistency({ orders, payments, ...extra }, NOW).violations.map((v) => [v.rule, v.order_id, v.payment_id]);
const charge = (payment_id: number, order_id: number, status: Charge['status'], amount = 10): Charge => ({ id: `ch_${payment_id}`, reference: `payment-${payment_id}`, order_id, amount, status, created_at: AT });
const books = (products: StockLedger['products'], reservations: [number, StockLedger['reservations'][number]['state']][]): StockLedger => ({
  products,
  reservations: reservations.map(([order_id, state]) => ({ order_id, product_id: 1, quantity: 1, state, created_at: AT, updated_at: AT })),
});

describe('Gateway: the money invariant, as a pure function', () => {
  test('When every PAID order has one COMPLETED payment for its total and the others none, then the report is ok with the counts', () => {
    const report = checkConsistency(
      {
        orders: [order(1, 'PAID', 2999.97), order(2, 'PENDING'), order(3, 'CANCELLED')],
        payments: [payment(1, 1, 'COMPLETED', 2999.97), payment(2, 2, 'FAILED'), payment(3, 3, 'REFUNDED')],
        charges: [charge(1, 1, 'SUCCEEDED', 2999.97), charge(2, 2, 'DECLINED'), charge(3, 3, 'REFUNDED')],
      },
      NOW,
    );
    expect(report).toEqual({
      checked_at: '2025-01-01T00:01:00.000Z',
      orders_checked: 3,
      payments_checked: 3,
      charges_checked: 3,
      products_checked: 0,
      violations: [],
      in_flight: [],
      converging: [],
      events_pending: 0,
      unavailable: [],
      ok: true,
    });
  });

  test('When an order is PAID without a COMPLETED payment, then paid-without-payment names it', () => {
    expect(rules([order(1, 'PAID')], [payment(1, 1, 'FAILED')])).toEqual([['paid-without-payment', 1, null]]);
  });

  test('When the COMPLETED payment is not for the total, then amount-mismatch names both (compared in cents)', () => {
    expect(rules([order(1, 'PAID', 30)], [payment(7, 1, 'COMPLETED', 29.99)])).toEqual([['amount-mismatch', 1, 7]]);
    expect(rules([order(1, 'PAID', 0.3)], [payment(7, 1, 'COMPLETED', 0.1 + 0.2)])).toEqual([]);
  });

  test('When an order that is not PAID has a COMPLETED payment, then charged-unpaid-order names each one', () => {
    expect(rules([order(1, 'PENDING'), order(2, 'CANCELLED')], [payment(1, 1, 'COMPLETED'), payment(2, 2, 'COMPLETED')])).toEqual([
      ['charged-unpaid-order', 1, 1],
      ['charged-unpaid-order', 2, 2],
    ]);
  });

  test('When a payment names an order that does not exist, then orphan-payment names it, whatever its status', () => {
    expect(rules([], [payment(4, 99, 'FAILED'), payment(5, 98, 'COMPLETED')])).toEqual([
      ['orphan-payment', 99, 4],
      ['orphan-payment', 98, 5],
    ]);
  });

  test('When an order has two COMPLETED payments, then double-charge names the second (the first stands)', () => {
    expect(rules([order(1, 'PAID')], [payment(9, 1, 'COMPLETED'), payment(3, 1, 'COMPLETED')])).toEqual([['double-charge', 1, 9]]);
  });

  test('When a payment is PENDING, then it is in flight with its age, not a violation, even for a PAID order mid-payment', () => {
    const report = checkConsistency({ orders: [order(1, 'PAID'), order(2, 'PENDING')], payments: [payment(1, 1, 'PENDING'), payment(2, 2, 'PENDING', 10, '2025-01-01T00:00:58.500Z')], charges: [charge(1, 1, 'SUCCEEDED')] }, NOW);
    expect(report.ok).toBe(true);
    expect(report.in_flight).toEqual([
      { payment_id: 1, order_id: 1, age_s: 60 },
      { payment_id: 2, order_id: 2, age_s: 1.5 },
    ]);
  });

  test('When the provider holds money for an order that is not PAID, or not its total for a PAID one, then net-charge names the order', () => {
    // Charged and never refunded although the payment FAILED: money taken for nothing.
    expect(rules([order(1, 'CANCELLED')], [payment(1, 1, 'FAILED')], { charges: [charge(1, 1, 'SUCCEEDED')] })).toEqual([['net-charge', 1, null]]);
    // PAID, but charged twice at the provider (two references).
    expect(rules([order(1, 'PAID')], [payment(1, 1, 'COMPLETED'), payment(2, 1, 'FAILED')], { charges: [charge(1, 1, 'SUCCEEDED'), charge(2, 1, 'SUCCEEDED')] })).toEqual([['net-charge', 1, null]]);
    // PAID but never charged: money created.
    expect(rules([order(1, 'PAID')], [payment(1, 1, 'COMPLETED')], { charges: [] })).toEqual([['net-charge', 1, null]]);
    // Money held for an order that does not exist.
    expect(rules([], [], { charges: [charge(4, 77, 'SUCCEEDED')] })).toEqual([['net-charge', 77, null]]);
  });

  test('When a payment is still PENDING, then its order is left out of net-charge (the saga may be between charge and confirm)', () => {
    expect(rules([order(1, 'PENDING')], [payment(1, 1, 'PENDING')], { charges: [charge(1, 1, 'SUCCEEDED')] })).toEqual([]);
  });

  test('When a payment says REFUNDED but the provider kept the money, then refund-missing names it (and net-charge the order)', () => {
    expect(rules([order(1, 'CANCELLED')], [payment(1, 1, 'REFUNDED')], { charges: [charge(1, 1, 'SUCCEEDED')] })).toEqual([
      ['net-charge', 1, null],
      ['refund-missing', 1, 1],
    ]);
  });

  test('When a product received more units than it has available, reserved and sold, then stock-not-conserved', () => {
    const stock = books([{ product_id: 3, received: 10, available: 6, reserved: 1, sold: 2 }], []);
    expect(rules([], [], { stock })).toEqual([['stock-not-conserved', null, null]]);
    expect(rules([], [], { stock: books([{ product_id: 3, received: 10, available: 7, reserved: 1, sold: 2 }], []) })).toEqual([]);
  });

  test('When a reservation disagrees with its order and no event is on its way, then reservation-mismatch; while events are pending, converging', () => {
    const stocked = (id: number, status: Order['status']): Order => ({ ...order(id, status), stock: 'RESERVED' });
    const orders = [stocked(1, 'CANCELLED'), stocked(2, 'PENDING'), stocked(3, 'PAID'), stocked(4, 'PAID'), stocked(5, 'CANCELLED')];
    const payments = [payment(3, 3, 'COMPLETED'), payment(4, 4, 'COMPLETED')];
    const stock = books([], [[1, 'RESERVED'], [2, 'COMMITTED'], [3, 'RELEASED'], [5, 'RELEASED']]);
    expect(rules(orders, payments, { stock })).toEqual([
      ['reservation-mismatch', 1, null],
      ['reservation-mismatch', 2, null],
      ['reservation-mismatch', 3, null],
      ['reservation-mismatch', 4, null],
    ]);
    const settling = checkConsistency({ orders, payments, stock, eventsPending: 2 }, NOW);
    expect(settling.ok).toBe(true);
    expect(settling.converging.map((c) => c.order_id)).toEqual([1, 2, 3, 4]);
  });

  test('When pages overlap because rows were added while reading, then each id is kept once, the first seen', () => {
    const merged = mergePages([[payment(3, 1, 'PENDING'), payment(2, 1, 'FAILED')], [payment(2, 1, 'COMPLETED'), payment(1, 1, 'FAILED')]]);
    expect(merged.map((p) => [p.id, p.status])).toEqual([
      [3, 'PENDING'],
      [2, 'FAILED'],
      [1, 'FAILED'],
    ]);
  });

  test('When the CLI prints a report, then it gives the counts and one line per violation', () => {
    const text = formatReport(checkConsistency({ orders: [order(1, 'PENDING')], payments: [payment(2, 1, 'COMPLETED'), payment(3, 5, 'PENDING')] }, NOW));
    expect(text.split('\n')[0]).toMatch(/^2 violations: 1 orders, 2 payments, 0 provider charges, 0 stocked products checked/);
    expect(text).toContain('charged-unpaid-order  order 1  payment 2');
    expect(text).toContain('orphan-payment  order 5  payment 3');
    expect(text).toContain('1 payment(s) in flight: 3 (order 5, 60 s)');
  });
});
