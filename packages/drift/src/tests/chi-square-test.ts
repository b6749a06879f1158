import { ValidationError } from '@mlinfra/core/schema';
import type { CategoricalSample } from '../input/samples.js';
import { countCategories } from '../internal/sample.js';
import { chiSquareSf } from '../special/gamma.js';
import type { TestResult } from './types.js';

/** Result of {@link chiSquareTest}. */
export interface ChiSquareTestResult extends TestResult {
  pValue: number;
  /** Degrees of freedom: number of categories seen on either side, minus one. */
  degreesOfFreedom: number;
}

/** Category counts: a Map or a plain object from category to count. */
export type CategoryCounts = ReadonlyMap<string, number> | Readonly<Record<string, number>>;

function toCountMap(counts: CategoryCounts, name: string): Map<string, number> {
  const entries = counts instanceof Map ? [...counts.entries()] : Object.entries(counts);
  const out = new Map<string, number>();
  for (const [key, count] of entries) {
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
      throw new ValidationError(
        `${name}["${key}"] must be a finite count >= 0, got ${String(count)}`,
        [{ path: [name, key], message: 'expected a finite count >= 0' }],
      );
    }
    out.set(key, count);
  }
  return out;
}

/**
 * Chi-square test of homogeneity on category counts: `scipy.stats.chi2_contingency(table, correction=False)`
 * of the 2 x k table whose rows are the reference and current counts. Categories seen on one side
 * only are included (with a zero count on the other). With a single category the test has zero
 * degrees of freedom and returns statistic 0 and p-value 1, as SciPy does.
 *
 * @throws ValidationError when either side has no observations.
 */
export function chiSquareTestCounts(
  reference: CategoryCounts,
  current: CategoryCounts,
): ChiSquareTestResult {
  const ref = toCountMap(reference, 'reference');
  const cur = toCountMap(current, 'current');
  const keys = [...new Set([...ref.keys(), ...cur.keys()])].filter(
    (key) => (ref.get(key) ?? 0) + (cur.get(key) ?? 0) > 0,
  );
  let refTotal = 0;
  let curTotal = 0;
  for (const key of keys) {
    refTotal += ref.get(key) ?? 0;
    curTotal += cur.get(key) ?? 0;
  }
  if (refTotal === 0 || curTotal === 0) {
    const side = refTotal === 0 ? 'reference' : 'current';
    throw new ValidationError(
      `${side} has no observations; a chi-square test needs counts on both sides`,
      [{ path: [side], message: 'total count is 0' }],
    );
  }
  const dof = keys.length - 1;
  if (dof === 0) return { statistic: 0, pValue: 1, degreesOfFreedom: 0 };
  const total = refTotal + curTotal;
  let statistic = 0;
  for (const [rowTotal, counts] of [
    [refTotal, ref],
    [curTotal, cur],
  ] as const) {
    for (const key of keys) {
      const column = (ref.get(key) ?? 0) + (cur.get(key) ?? 0);
      const expected = (rowTotal * column) / total;
      const diff = (counts.get(key) ?? 0) - expected;
      statistic += (diff * diff) / expected;
    }
  }
  return { statistic, pValue: chiSquareSf(statistic, dof), degreesOfFreedom: dof };
}

/** {@link chiSquareTestCounts} on raw category values (strings, numbers or booleans, compared as strings). */
export function chiSquareTest(
  reference: CategoricalSample,
  current: CategoricalSample,
): ChiSquareTestResult {
  return chiSquareTestCounts(
    countCategories(reference, 'reference'),
    countCategories(current, 'current'),
  );
}
