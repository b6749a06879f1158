import * as z from 'zod/mini';
import type { NumericSample } from '../input/samples.js';
import { parseOptions } from '../internal/options.js';
import { sortedSample } from '../internal/sample.js';
import { kolmogorovSf } from '../special/kolmogorov.js';
import type { TestResult } from './types.js';

/** Options of {@link ksTest}. */
export interface KsTestOptions {
  /**
   * How the p-value is computed, as in `scipy.stats.ks_2samp`:
   * `'exact'` counts lattice paths (falls back to `'asymp'` when that fails or lcm(n, m) is too large),
   * `'asymp'` uses the two-sided one-sample Kolmogorov distribution at n·m/(n+m),
   * `'auto'` (default) is exact when both samples have at most 10,000 values.
   */
  method?: 'auto' | 'exact' | 'asymp';
}

const ksOptionsSchema = z.strictObject({ method: z.optional(z.enum(['auto', 'exact', 'asymp'])) });

/** Result of {@link ksTest}. */
export interface KsTestResult extends TestResult {
  pValue: number;
  /** The method that produced the p-value (after any fallback). */
  method: 'exact' | 'asymp';
}

const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

/** numpy's round-half-to-even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Two-sided statistic of two sorted samples, computed with the same floating-point operations as SciPy. */
export function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxS = Number.NEGATIVE_INFINITY;
  let minS = Number.POSITIVE_INFINITY;
  while (i < n1 || j < n2) {
    const ai = i < n1 ? (a[i] as number) : Number.POSITIVE_INFINITY;
    const bj = j < n2 ? (b[j] as number) : Number.POSITIVE_INFINITY;
    const value = Math.min(ai, bj);
    while (i < n1 && (a[i] as number) <= value) i++;
    while (j < n2 && (b[j] as number) <= value) j++;
    const diff = i / n1 - j / n2;
    maxS = Math.max(maxS, diff);
    minS = Math.min(minS, diff);
  }
  const minClipped = Math.min(1, Math.max(0, -minS));
  return Math.max(minClipped, maxS);
}

/** Pr(D >= h/n) for two samples of equal size n (SciPy's `_compute_prob_outside_square`). */
function probOutsideSquare(n: number, h: number): number {
  let P = 0.0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1.0;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1.0 - P);
    k -= 1;
  }
  return 2 * P;
}

/** SciPy's `_compute_outer_prob_inside_method`: 1 - Pr(paths stay strictly inside |x/m - y/n| < h/lcm). */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  let m = m0;
  let n = n0;
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let x = minj; x < maxj; x++) A[x] = 0.0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      for (let x = maxj - minj; x < maxj - minj + (lastlen - curlen) && x < lenA; x++) A[x] = 1;
    }
  }
  return A[maxj - minj - 1] as number;
}

function attemptExact(
  n1: number,
  n2: number,
  g: number,
  d: number,
): { ok: boolean; d: number; p: number } {
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dRounded = (h * 1.0) / lcm;
  if (h === 0) return { ok: true, d: dRounded, p: 1.0 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  if (!Number.isFinite(p) || !(p >= 0 && p <= 1)) return { ok: false, d: dRounded, p };
  return { ok: true, d: dRounded, p };
}

/** KS test on two already sorted, finite samples (no validation). */
export function ksTestSorted(
  a: Float64Array,
  b: Float64Array,
  method: 'auto' | 'exact' | 'asymp' = 'auto',
): KsTestResult {
  const n1 = a.length;
  const n2 = b.length;
  let d = ksStatisticSorted(a, b);
  const g = gcd(n1, n2);
  const n1g = n1 / g;
  const n2g = n2 / g;
  let mode: 'exact' | 'asymp';
  if (method === 'auto') mode = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp';
  else if (method === 'exact') mode = n1g >= INT32_MAX / n2g ? 'asymp' : 'exact';
  else mode = 'asymp';
  let p = Number.NaN;
  if (mode === 'exact') {
    const exact = attemptExact(n1, n2, g, d);
    d = exact.d;
    if (exact.ok) p = exact.p;
    else mode = 'asymp';
  }
  if (mode === 'asymp') {
    const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
    const en = (m * n) / (m + n);
    p = kolmogorovSf(roundHalfEven(en), d);
  }
  return { statistic: d, pValue: Math.min(1, Math.max(0, p)), method: mode };
}

/**
 * Two-sample Kolmogorov-Smirnov test, two-sided: `scipy.stats.ks_2samp(reference, current, method=...)`.
 * The statistic is the largest distance between the two empirical CDFs. Ties are handled as
 * SciPy does (CDFs evaluated right-continuously at every pooled value). In exact mode the
 * statistic is rounded to a multiple of 1/lcm(n, m), as SciPy returns it.
 *
 * @param reference first sample (finite numbers; at least 1)
 * @param current second sample (finite numbers; at least 1)
 * @throws ValidationError on empty samples, NaN, infinities or non-numbers, naming the sample and index.
 */
export function ksTest(
  reference: NumericSample,
  current: NumericSample,
  options: KsTestOptions = {},
): KsTestResult {
  const { method = 'auto' } = parseOptions(ksOptionsSchema, options, 'ksTest options');
  return ksTestSorted(
    sortedSample(reference, 'reference'),
    sortedSample(current, 'current'),
    method,
  );
}
