import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jensenShannonDistance, psi } from './binned.js';
import { ksTest } from './ks-test.js';
import { mannWhitneyU } from './mann-whitney.js';
import { adjustPValues } from './multiple-testing.js';
import { wassersteinDistance } from './wasserstein.js';

const sample = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
  minLength: 1,
  maxLength: 60,
});

describe('statistics: properties', () => {
  it('ksTest is symmetric, bounded, and zero with p = 1 on identical samples', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = ksTest(a, b);
        const ba = ksTest(b, a);
        expect(ab.statistic).toBe(ba.statistic);
        expect(ab.pValue).toBeCloseTo(ba.pValue, 12);
        expect(ab.statistic).toBeGreaterThanOrEqual(0);
        expect(ab.statistic).toBeLessThanOrEqual(1);
        expect(ab.pValue).toBeGreaterThanOrEqual(0);
        expect(ab.pValue).toBeLessThanOrEqual(1);
        expect(ksTest(a, a)).toMatchObject({ statistic: 0, pValue: 1 });
      }),
      { numRuns: 150 },
    );
  });

  it('wassersteinDistance is a metric on samples: symmetric, non-negative, shift-equivariant', () => {
    fc.assert(
      fc.property(
        sample,
        sample,
        fc.double({ min: -100, max: 100, noNaN: true }),
        (a, b, shift) => {
          const d = wassersteinDistance(a, b).statistic;
          expect(d).toBeGreaterThanOrEqual(0);
          expect(Math.abs(d - wassersteinDistance(b, a).statistic)).toBeLessThanOrEqual(
            1e-9 * (1 + d),
          );
          expect(wassersteinDistance(a, a).statistic).toBe(0);
          const shifted = wassersteinDistance(
            a,
            a.map((x) => x + shift),
          ).statistic;
          expect(Math.abs(shifted - Math.abs(shift))).toBeLessThanOrEqual(
            1e-6 * (1 + Math.abs(shift)) + 1e-9 * Math.max(...a.map(Math.abs)),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('binned measures are zero on identical samples and JS stays within [0, sqrt(ln 2)]', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        expect(psi(a, a).statistic).toBeCloseTo(0, 12);
        const js = jensenShannonDistance(a, b).statistic;
        expect(js).toBeGreaterThanOrEqual(0);
        expect(js).toBeLessThanOrEqual(Math.sqrt(Math.LN2) + 1e-12);
      }),
      { numRuns: 100 },
    );
  });

  it('mannWhitneyU statistics of the two orders add up to n1 * n2', () => {
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const u1 = mannWhitneyU(a, b).statistic;
        const u2 = mannWhitneyU(b, a).statistic;
        expect(u1 + u2).toBeCloseTo(a.length * b.length, 9);
      }),
      { numRuns: 100 },
    );
  });

  it('adjusted p-values never fall below the raw ones and keep their order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (p) => {
          for (const method of ['bonferroni', 'benjamini-hochberg'] as const) {
            const adjusted = adjustPValues(p, method);
            p.forEach((value, i) => {
              expect(adjusted[i]).toBeGreaterThanOrEqual(value * (1 - 1e-15));
              expect(adjusted[i]).toBeLessThanOrEqual(1);
              p.forEach((other, j) => {
                if (value < other) expect(adjusted[i]).toBeLessThanOrEqual(adjusted[j] as number);
              });
            });
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects NaN, infinities, non-numbers and empty samples, naming the position', () => {
    expect(() => ksTest([1, Number.NaN], [1])).toThrow(/reference\[1\] is NaN/);
    expect(() => ksTest([1], [Number.POSITIVE_INFINITY])).toThrow(/current\[0\] is Infinity/);
    expect(() => ksTest([1, '2' as never], [1])).toThrow(/reference\[1\] is the string "2"/);
    expect(() => ksTest([], [1])).toThrow(/reference has 0 value/);
    expect(() => ksTest([1], [2], { method: 'fast' as never })).toThrow(/method/);
  });
});
