import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateGates } from './gates.js';

const metricValue = fc.double({ min: -1e6, max: 1e6, noNaN: true });

describe('evaluateGates', () => {
  it('passes a regression check exactly at the allowed drop and fails just beyond it', () => {
    const holder = { version: 1, metrics: { auc: 0.9 }, slices: {} };
    const [atLimit] = evaluateGates(
      [{ metric: 'auc', maxRegression: 0.005 }],
      { metrics: { auc: 0.895 }, slices: {} },
      holder,
    );
    const [beyond] = evaluateGates(
      [{ metric: 'auc', maxRegression: 0.005 }],
      { metrics: { auc: 0.8949 }, slices: {} },
      holder,
    );
    expect(atLimit!.passed).toBe(true);
    expect(beyond!.passed).toBe(false);
  });

  it('never fails a regression gate when the candidate is at least as good (property)', () => {
    fc.assert(
      fc.property(
        metricValue,
        metricValue,
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (a, b, higher, allowed) => {
          const better = higher ? Math.max(a, b) : Math.min(a, b);
          const worse = higher ? Math.min(a, b) : Math.max(a, b);
          const checks = evaluateGates(
            [{ metric: 'm', higherIsBetter: higher, maxRegression: allowed }],
            { metrics: { m: better }, slices: {} },
            { version: 1, metrics: { m: worse }, slices: {} },
          );
          expect(checks.every((check) => check.passed)).toBe(true);
        },
      ),
    );
  });

  it('fails exactly when the regression exceeds the allowance (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (baseline, drop, allowed) => {
          fc.pre(Math.abs(drop - allowed) > 1e-9);
          const [check] = evaluateGates(
            [{ metric: 'm', maxRegression: allowed }],
            { metrics: { m: baseline - drop }, slices: {} },
            { version: 3, metrics: { m: baseline }, slices: {} },
          );
          expect(check!.passed).toBe(drop <= allowed);
        },
      ),
    );
  });

  it('checks every slice either side reports with slices: all, and fails a slice the candidate lacks', () => {
    const checks = evaluateGates(
      [{ metric: 'auc', maxRegression: 0.01, slices: 'all' }],
      { metrics: { auc: 0.9 }, slices: { a: { auc: 0.9 } } },
      { version: 1, metrics: { auc: 0.9 }, slices: { a: { auc: 0.9 }, b: { auc: 0.8 } } },
    );
    expect(checks.map((check) => [check.slice ?? 'overall', check.passed])).toEqual([
      ['overall', true],
      ['a', true],
      ['b', false],
    ]);
    expect(checks[2]!.reason).toMatch(/no auc slice "b"/);
  });
});
