import { ValidationError } from '@mlinfra/core/schema';
import type { CategoricalAccumulator, NumericAccumulator } from '../profile/accumulators.js';
import type { SketchCdf } from '../profile/kll.js';
import { histogramCounts, histogramEdges } from '../tests/binned.js';

/** Rank error of a KLL sketch with k = 200 at 99% confidence (DataSketches' published bound). */
export const KLL_RANK_ERROR = 0.017;

/** One side of a numeric column: raw sorted values, or a profile's accumulator. */
export type NumericSide =
  | { source: 'data'; sorted: Float64Array; missing: number }
  | { source: 'profile'; acc: NumericAccumulator; cdf: SketchCdf; missing: number };

/** One side of a categorical column: exact counts, or a profile's frequent items. */
export interface CategoricalSide {
  source: 'data' | 'profile';
  counts: Map<string, number>;
  total: number;
  missing: number;
  /** Upper bound on the under-count of any category (0 when exact). */
  error: number;
}

export function numericCount(side: NumericSide): number {
  return side.source === 'data' ? side.sorted.length : side.acc.count;
}

export function numericMin(side: NumericSide): number {
  return side.source === 'data' ? (side.sorted[0] as number) : side.acc.min;
}

export function numericMax(side: NumericSide): number {
  return side.source === 'data' ? (side.sorted[side.sorted.length - 1] as number) : side.acc.max;
}

export function numericExact(side: NumericSide): boolean {
  return side.source === 'data' || side.acc.sketch.exact;
}

/** Exact distinct value counts when known (raw data, or a low-cardinality profile). */
export function numericValueCounts(
  side: NumericSide,
  maxDistinct = Infinity,
): Map<number, number> | null {
  if (side.source === 'profile') {
    const values = side.acc.values;
    return values && values.size <= maxDistinct ? values : null;
  }
  const counts = new Map<number, number>();
  const s = side.sorted;
  for (let i = 0; i < s.length; ) {
    const v = s[i] as number;
    let e = i + 1;
    while (e < s.length && s[e] === v) e++;
    counts.set(v, e - i);
    if (counts.size > maxDistinct) return null;
    i = e;
  }
  return counts;
}

export function numericDistinct(side: NumericSide): number {
  if (side.source === 'profile')
    return side.acc.values ? side.acc.values.size : Math.round(side.acc.hll.estimate());
  let count = 0;
  const s = side.sorted;
  for (let i = 0; i < s.length; i++) if (i === 0 || s[i] !== s[i - 1]) count++;
  return count;
}

/** Distinct values of both sides together (exact from data or low-cardinality profiles, else estimated), counting up to `stopAt`. */
export function unionDistinct(a: NumericSide, b: NumericSide, stopAt = Infinity): number {
  if (a.source === 'data' && b.source === 'data') {
    const x = a.sorted;
    const y = b.sorted;
    let i = 0;
    let j = 0;
    let count = 0;
    while (i < x.length || j < y.length) {
      const value = Math.min(
        i < x.length ? (x[i] as number) : Infinity,
        j < y.length ? (y[j] as number) : Infinity,
      );
      while (i < x.length && x[i] === value) i++;
      while (j < y.length && y[j] === value) j++;
      count++;
      if (count >= stopAt) break;
    }
    return count;
  }
  const ca = numericValueCounts(a, stopAt);
  const cb = ca ? numericValueCounts(b, stopAt) : null;
  if (ca && cb) return new Set([...ca.keys(), ...cb.keys()]).size;
  return Math.max(numericDistinct(a), numericDistinct(b));
}

/** Fraction of values <= x. */
export function numericCdf(side: NumericSide, x: number): number {
  if (side.source === 'profile') return side.cdf.cdf(x);
  const s = side.sorted;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((s[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / s.length;
}

/** Proportions per bin for equal-width edges (last bin closed), as numpy.histogram / n. */
export function numericBinProportions(side: NumericSide, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  if (side.source === 'data')
    return histogramCounts(side.sorted, edges).map((c) => c / side.sorted.length);
  const out = new Float64Array(bins);
  let previous = side.cdf.cdfBelow(edges[0] as number);
  for (let i = 0; i < bins; i++) {
    const upper =
      i === bins - 1
        ? side.cdf.cdf(edges[bins] as number)
        : side.cdf.cdfBelow(edges[i + 1] as number);
    out[i] = Math.max(0, upper - previous);
    previous = upper;
  }
  return out;
}

export function equalWidthEdges(a: NumericSide, b: NumericSide, bins: number): Float64Array {
  return histogramEdges(
    Math.min(numericMin(a), numericMin(b)),
    Math.max(numericMax(a), numericMax(b)),
    bins,
  );
}

export function populationStdOf(side: NumericSide): number {
  if (side.source === 'profile')
    return Math.sqrt(side.acc.count > 0 ? side.acc.m2 / side.acc.count : 0);
  const s = side.sorted;
  let mean = 0;
  for (let i = 0; i < s.length; i++) mean += s[i] as number;
  mean /= s.length;
  let sq = 0;
  for (let i = 0; i < s.length; i++) {
    const d = (s[i] as number) - mean;
    sq += d * d;
  }
  return Math.sqrt(sq / s.length);
}

/** Sorted support points of a side and the CDF at each (fraction of mass <= the point). */
function cdfPoints(side: NumericSide): {
  values: Float64Array;
  cumulative: Float64Array | null;
  total: number;
} {
  if (side.source === 'data')
    return { values: side.sorted, cumulative: null, total: side.sorted.length };
  return { values: side.cdf.values, cumulative: side.cdf.cumulative, total: side.cdf.total };
}

/**
 * Walks the union of both sides' support points in order and calls `visit(x, Fa(x), Fb(x), next)`
 * at each distinct point, where `next` is the following distinct point (Infinity at the end).
 */
function walkCdfs(
  a: NumericSide,
  b: NumericSide,
  visit: (x: number, fa: number, fb: number, next: number) => void,
): void {
  const A = cdfPoints(a);
  const B = cdfPoints(b);
  const va = A.values;
  const vb = B.values;
  let i = 0;
  let j = 0;
  let x = Math.min(
    va.length ? (va[0] as number) : Infinity,
    vb.length ? (vb[0] as number) : Infinity,
  );
  while (x !== Infinity) {
    while (i < va.length && (va[i] as number) <= x) i++;
    while (j < vb.length && (vb[j] as number) <= x) j++;
    const fa = i === 0 ? 0 : A.cumulative ? (A.cumulative[i - 1] as number) / A.total : i / A.total;
    const fb = j === 0 ? 0 : B.cumulative ? (B.cumulative[j - 1] as number) / B.total : j / B.total;
    const next = Math.min(
      i < va.length ? (va[i] as number) : Infinity,
      j < vb.length ? (vb[j] as number) : Infinity,
    );
    visit(x, fa, fb, next);
    x = next;
  }
}

/** Approximate KS statistic: the largest CDF gap over every known point. */
export function ksStatisticApprox(a: NumericSide, b: NumericSide): number {
  let d = 0;
  walkCdfs(a, b, (_x, fa, fb) => {
    d = Math.max(d, Math.abs(fa - fb));
  });
  return d;
}

/** Approximate Wasserstein-1 distance by integrating |F_a - F_b| between consecutive known points. */
export function wassersteinApprox(a: NumericSide, b: NumericSide): number {
  let sum = 0;
  walkCdfs(a, b, (x, fa, fb, next) => {
    if (next !== Infinity) sum += Math.abs(fa - fb) * (next - x);
  });
  return sum;
}

/**
 * The bucket that holds a profile's values outside its frequent items, shown under this label in
 * reports. (A real category spelled exactly like this would share the bucket.)
 */
export const OTHER_VALUES = '(other values)';

export function categoricalFromAccumulator(acc: CategoricalAccumulator): CategoricalSide {
  // Misra-Gries guarantees only the values counted above its error bound; the rest (all of a
  // key-like column of unique ids) goes into one "other" bucket so each side sums to its total.
  const counts = new Map<string, number>();
  let covered = 0;
  for (const [value, count] of acc.frequent.counts) {
    if (count > acc.frequent.error) {
      counts.set(value, count);
      covered += count;
    }
  }
  if (covered < acc.count) counts.set(OTHER_VALUES, acc.count - covered);
  return {
    source: 'profile',
    counts,
    total: acc.count,
    missing: acc.missing,
    error: acc.frequent.error,
  };
}

/** Both sides' categories (in first-seen order) and each side's proportion of each. */
export function alignedProportions(
  a: CategoricalSide,
  b: CategoricalSide,
): { keys: string[]; ref: Float64Array; cur: Float64Array } {
  const keys = [...new Set([...a.counts.keys(), ...b.counts.keys()])];
  return {
    keys,
    ref: Float64Array.from(keys, (k) => (a.counts.get(k) ?? 0) / a.total),
    cur: Float64Array.from(keys, (k) => (b.counts.get(k) ?? 0) / b.total),
  };
}

export function requireNonEmpty(
  count: number,
  column: string,
  side: 'reference' | 'current',
): void {
  if (count === 0) {
    throw new ValidationError(
      `Column "${column}" has no non-missing values in ${side}; drop the column (options.ignore) or pass data with values`,
      [{ path: [side, column], message: 'empty sample after removing missing values' }],
    );
  }
}
