import { ValidationError } from '@mlinfra/core/schema';
import { kolmogorovSf } from '../special/kolmogorov.js';
import { andersonDarling } from '../tests/anderson-darling.js';
import {
  fillZeros,
  hellingerFromProportions,
  jensenShannonFromProportions,
  klFromProportions,
  psiFromProportions,
} from '../tests/binned.js';
import { chiSquareTestCounts } from '../tests/chi-square-test.js';
import { cramerVonMises } from '../tests/cramer-von-mises.js';
import { ksTestSorted } from '../tests/ks-test.js';
import { mannWhitneyU } from '../tests/mann-whitney.js';
import { wassersteinSorted } from '../tests/wasserstein.js';
import { zTestCounts } from '../tests/z-test.js';
import {
  alignedProportions,
  type CategoricalSide,
  equalWidthEdges,
  KLL_RANK_ERROR,
  ksStatisticApprox,
  type NumericSide,
  numericBinProportions,
  numericCount,
  numericDistinct,
  numericExact,
  numericValueCounts,
  populationStdOf,
  wassersteinApprox,
} from './column-data.js';
import { type DriftTestName, NUMERIC_ONLY } from './drift-tests.js';

/** What one drift test gives for one column, before thresholds and multiple-testing correction. */
export interface ColumnStatistic {
  statistic: number;
  pValue: number | null;
  approximate: boolean;
  errorBound: number | null;
}

/** A binned distance (psi, kl, hellinger; jensen-shannon otherwise) between two proportion vectors. */
function binnedMeasure(test: DriftTestName, ref: Float64Array, cur: Float64Array): number {
  switch (test) {
    case 'psi':
      return psiFromProportions(fillZeros(ref, 'evidently'), fillZeros(cur, 'evidently'));
    case 'kl':
      return klFromProportions(fillZeros(ref, 'evidently'), fillZeros(cur, 'evidently'));
    case 'hellinger':
      return hellingerFromProportions(ref, cur);
    default:
      return jensenShannonFromProportions(ref, cur);
  }
}

/** The sorted raw values of a side, for tests that cannot run on a profile's sketch. */
function rawNumbers(side: NumericSide, name: string, test: DriftTestName): Float64Array {
  if (side.source === 'data') return side.sorted;
  throw new ValidationError(
    `Test "${test}" for column "${name}" needs raw values; it cannot run on a profile. Pass data, or use ks, wasserstein, jensen-shannon, psi, kl or hellinger`,
    [{ path: ['perColumn', name, 'test'], message: 'not available on profiles' }],
  );
}

/** Runs `test` on a numeric column; chi-square and z compare exact value counts as categories. */
export function runNumeric(
  test: DriftTestName,
  a: NumericSide,
  b: NumericSide,
  name: string,
  bins: number,
  ksMethod: 'auto' | 'exact' | 'asymp',
): ColumnStatistic {
  const exact = numericExact(a) && numericExact(b);
  const bound = (numericExact(a) ? 0 : KLL_RANK_ERROR) + (numericExact(b) ? 0 : KLL_RANK_ERROR);
  switch (test) {
    case 'ks': {
      if (a.source === 'data' && b.source === 'data') {
        const r = ksTestSorted(a.sorted, b.sorted, ksMethod);
        return { statistic: r.statistic, pValue: r.pValue, approximate: false, errorBound: null };
      }
      const d = ksStatisticApprox(a, b);
      const n1 = numericCount(a);
      const n2 = numericCount(b);
      const en = (Math.max(n1, n2) * Math.min(n1, n2)) / (n1 + n2);
      return {
        statistic: d,
        pValue: kolmogorovSf(Math.round(en), d),
        approximate: !exact,
        errorBound: exact ? null : bound,
      };
    }
    case 'wasserstein': {
      const std = Math.max(populationStdOf(a), 0.001);
      if (a.source === 'data' && b.source === 'data') {
        return {
          statistic: wassersteinSorted(a.sorted, b.sorted) / std,
          pValue: null,
          approximate: false,
          errorBound: null,
        };
      }
      const range =
        Math.max(
          a.source === 'data' ? (a.sorted[a.sorted.length - 1] as number) : a.acc.max,
          b.source === 'data' ? (b.sorted[b.sorted.length - 1] as number) : b.acc.max,
        ) -
        Math.min(
          a.source === 'data' ? (a.sorted[0] as number) : a.acc.min,
          b.source === 'data' ? (b.sorted[0] as number) : b.acc.min,
        );
      return {
        statistic: wassersteinApprox(a, b) / std,
        pValue: null,
        approximate: !exact,
        errorBound: exact ? null : (bound * range) / std,
      };
    }
    case 'anderson-darling': {
      const r = andersonDarling(rawNumbers(a, name, test), rawNumbers(b, name, test));
      return { statistic: r.statistic, pValue: r.pValue, approximate: false, errorBound: null };
    }
    case 'cramer-von-mises': {
      const r = cramerVonMises(rawNumbers(a, name, test), rawNumbers(b, name, test));
      return { statistic: r.statistic, pValue: r.pValue, approximate: false, errorBound: null };
    }
    case 'mann-whitney': {
      const r = mannWhitneyU(rawNumbers(a, name, test), rawNumbers(b, name, test));
      return { statistic: r.statistic, pValue: r.pValue, approximate: false, errorBound: null };
    }
    case 'chi-square':
    case 'z': {
      const ca = numericValueCounts(a);
      const cb = numericValueCounts(b);
      if (!ca || !cb) {
        throw new ValidationError(
          `Test "${test}" for numeric column "${name}" needs exact value counts, which a profile keeps only for columns with at most 32 distinct values`,
          [{ path: ['perColumn', name, 'test'], message: 'use ks or wasserstein' }],
        );
      }
      const toSide = (counts: Map<number, number>, side: NumericSide): CategoricalSide => ({
        source: side.source,
        counts: new Map([...counts].map(([v, c]) => [String(v), c])),
        total: numericCount(side),
        missing: side.missing,
        error: 0,
      });
      return runCategorical(test, toSide(ca, a), toSide(cb, b), name);
    }
    default: {
      // Binned measures: Evidently's rule (equal-width bins over both samples when the reference
      // has more than 20 distinct values, else one bin per value).
      const distinct = numericDistinct(a);
      const ca = distinct <= 20 ? numericValueCounts(a) : null;
      const cb = ca ? numericValueCounts(b) : null;
      if (ca && cb) {
        const keys = [...new Set([...ca.keys(), ...cb.keys()])].sort((x, y) => x - y);
        const ref = Float64Array.from(keys, (k) => (ca.get(k) ?? 0) / numericCount(a));
        const cur = Float64Array.from(keys, (k) => (cb.get(k) ?? 0) / numericCount(b));
        return {
          statistic: binnedMeasure(test, ref, cur),
          pValue: null,
          approximate: false,
          errorBound: null,
        };
      }
      const edges = equalWidthEdges(a, b, bins);
      return {
        statistic: binnedMeasure(
          test,
          numericBinProportions(a, edges),
          numericBinProportions(b, edges),
        ),
        pValue: null,
        approximate: !exact,
        errorBound: null,
      };
    }
  }
}

/** Runs `test` on a categorical column (or a numeric one compared by its exact value counts). */
export function runCategorical(
  test: DriftTestName,
  a: CategoricalSide,
  b: CategoricalSide,
  name: string,
): ColumnStatistic {
  const approximate = a.error > 0 || b.error > 0;
  if (NUMERIC_ONLY.has(test)) {
    throw new ValidationError(
      `Test "${test}" needs a numeric column, but "${name}" is categorical; use chi-square, z, jensen-shannon, psi, kl or hellinger`,
      [{ path: ['perColumn', name, 'test'], message: 'numeric test on a categorical column' }],
    );
  }
  if (test === 'chi-square') {
    const r = chiSquareTestCounts(a.counts, b.counts);
    return { statistic: r.statistic, pValue: r.pValue, approximate, errorBound: null };
  }
  if (test === 'z') {
    const keys = [...new Set([...a.counts.keys(), ...b.counts.keys()])].sort();
    if (keys.length > 2) {
      throw new ValidationError(
        `Test "z" needs a binary column, but "${name}" has ${keys.length} values; use chi-square`,
        [{ path: ['perColumn', name, 'test'], message: 'not binary' }],
      );
    }
    const success = keys[keys.length - 1] as string;
    const r = zTestCounts(
      { successes: a.counts.get(success) ?? 0, total: a.total },
      { successes: b.counts.get(success) ?? 0, total: b.total },
    );
    return { statistic: r.statistic, pValue: r.pValue, approximate, errorBound: null };
  }
  const { ref, cur } = alignedProportions(a, b);
  return { statistic: binnedMeasure(test, ref, cur), pValue: null, approximate, errorBound: null };
}
