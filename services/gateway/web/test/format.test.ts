import { describe, expect, test } from 'vitest';
import { formatCents, formatMs, formatShare, formatTick, numberOrText, orderTotal, toCents } from '../src/format';

describe('Web UI: money and figures as the shop shows them', () => {
  test('The spec\'s example: 999.99 × 3 is 2999.97 exactly, computed in cents', () => {
    expect(orderTotal(999.99, 3)).toBe('2999.97');
    expect(orderTotal(0.1, 3)).toBe('0.30');
    expect(orderTotal(25, 1)).toBe('25.00');
  });

  test('A quantity or price the API would refuse gives no total', () => {
    expect(orderTotal(999.99, 0)).toBeUndefined();
    expect(orderTotal(999.99, 2.5)).toBeUndefined();
    expect(orderTotal(12.345, 1)).toBeUndefined();
    expect(toCents(Number.NaN)).toBeUndefined();
  });

  test('Cents, durations and shares read as people expect', () => {
    expect(formatCents(299_997)).toBe('2999.97');
    expect(formatCents(5)).toBe('0.05');
    expect([formatMs(0), formatMs(0.84), formatMs(2.64), formatMs(23.4), formatMs(1240)]).toEqual(['0 ms', '0.84 ms', '2.6 ms', '23 ms', '1.24 s']);
    expect([formatTick(0), formatTick(5), formatTick(2.5), formatTick(1500)]).toEqual(['0 ms', '5 ms', '2.5 ms', '1.5 s']);
    expect([formatShare(0), formatShare(0.0123), formatShare(0.5)]).toEqual(['0%', '1.2%', '50%']);
  });

  test('A form value is sent as a number when it reads as one, else as typed, for the API to judge', () => {
    expect([numberOrText('3'), numberOrText(' 2.5 '), numberOrText('three'), numberOrText('')]).toEqual([3, 2.5, 'three', '']);
  });
});
