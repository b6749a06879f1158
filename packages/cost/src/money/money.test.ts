import { ValidationError } from '@mlinfra/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMoney,
  CompensatedSum,
  formatMoney,
  money,
  splitMicros,
  splitMoney,
  toDecimalString,
} from './money.js';

describe('money', () => {
  it('parses decimal strings exactly and numbers to the nearest micro-unit', () => {
    expect(money('12.34', 'USD')).toEqual({ micros: 12_340_000, currency: 'USD' });
    expect(money('0.0000005', 'USD').micros).toBe(1);
    expect(money('-1.5', 'EUR').micros).toBe(-1_500_000);
    expect(money(0.1, 'USD').micros + money(0.2, 'USD').micros).toBe(money(0.3, 'USD').micros);
    expect(money(32.7726, 'USD').micros).toBe(32_772_600);
  });

  it('rejects bad currencies and malformed amounts with the fix in the message', () => {
    expect(() => money(1, 'usd')).toThrow(/ISO 4217/);
    expect(() => money('1,5', 'USD')).toThrow(ValidationError);
    expect(() => money(Number.NaN, 'USD')).toThrow(/finite/);
    expect(() => money(1e13, 'USD')).toThrow(/safe integer/);
  });

  it('formats with the currency, showing sub-cent digits only when present', () => {
    expect(formatMoney(money('1234.5', 'USD'))).toBe('1,234.50 USD');
    expect(formatMoney(money('0.000833', 'USD'))).toBe('0.000833 USD');
    expect(formatMoney(money('-2', 'EUR'))).toBe('-2.00 EUR');
    expect(formatMoney(money('32.7726', 'USD'))).toBe('32.7726 USD');
    expect(formatMoney(money('1.422372', 'USD'))).toBe('1.4224 USD');
    expect(formatMoney(money('-1.99999', 'USD'))).toBe('-2.00 USD');
    expect(formatMoney(money('1234567.891', 'USD'))).toBe('1,234,567.891 USD');
    expect(toDecimalString(money('3.06', 'USD'))).toBe('3.060000');
  });

  it('refuses to add different currencies', () => {
    expect(() => addMoney(money(1, 'USD'), money(1, 'EUR'))).toThrow(/does not convert currencies/);
    expect(addMoney(money(1, 'USD'), money('0.5', 'USD')).micros).toBe(1_500_000);
  });
});

describe('splitMoney', () => {
  it('splits 1 unit in three parts that add up exactly', () => {
    const parts = splitMoney(money(1, 'USD'), [1, 1, 1]).map((part) => part.micros);
    expect(parts).toEqual([333_334, 333_333, 333_333]);
  });

  it('parts always add up to the total and stay within one micro-unit of the exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (total, weights) => {
          const parts = splitMicros(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const sum = weights.reduce((a, b) => a + b, 0);
          parts.forEach((part, index) => {
            expect(Number.isSafeInteger(part)).toBe(true);
            const exact = sum > 0 ? (total * weights[index]!) / sum : total / weights.length;
            expect(Math.abs(part - exact)).toBeLessThanOrEqual(1 + Math.abs(total) * 1e-12);
          });
        },
      ),
    );
  });

  it('rejects negative weights', () => {
    expect(() => splitMicros(10, [1, -1])).toThrow(ValidationError);
  });
});

describe('CompensatedSum', () => {
  it('keeps a million small additions exact where plain addition drifts', () => {
    const sum = new CompensatedSum();
    let naive = 0;
    for (let index = 0; index < 1_000_000; index++) {
      sum.add(0.1);
      naive += 0.1;
    }
    expect(Math.abs(sum.value - 100_000)).toBeLessThan(1e-9);
    expect(Math.abs(naive - 100_000)).toBeGreaterThan(1e-7);
  });
});
