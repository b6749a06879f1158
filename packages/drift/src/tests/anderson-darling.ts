import { ValidationError } from '@mlinfra/core/schema';
import type { NumericSample } from '../input/samples.js';
import { sortedSample } from '../internal/sample.js';
import type { TestResult } from './types.js';

/** Result of {@link andersonDarling}. */
export interface AndersonDarlingResult extends TestResult {
  pValue: number;
  /** Critical values at significance 0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001. */
  criticalValues: number[];
}

const B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
const SIG = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];

/** Least-squares quadratic fit (as `numpy.polyfit(x, y, 2)`), by Householder QR on column-scaled Vandermonde. */
function quadraticFit(x: readonly number[], y: readonly number[]): [number, number, number] {
  const rows = x.length;
  const cols = 3;
  const A: number[][] = x.map((xi) => [xi * xi, xi, 1]);
  const scale = [0, 0, 0];
  for (let c = 0; c < cols; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += (A[r]?.[c] as number) ** 2;
    scale[c] = Math.sqrt(s);
    for (let r = 0; r < rows; r++)
      (A[r] as number[])[c] = (A[r]?.[c] as number) / (scale[c] as number);
  }
  const b = [...y];
  for (let c = 0; c < cols; c++) {
    let norm = 0;
    for (let r = c; r < rows; r++) norm += (A[r]?.[c] as number) ** 2;
    norm = Math.sqrt(norm);
    const alpha = (A[c]?.[c] as number) > 0 ? -norm : norm;
    const v: number[] = new Array(rows).fill(0);
    for (let r = c; r < rows; r++) v[r] = A[r]?.[c] as number;
    v[c] = (v[c] as number) - alpha;
    let vnorm = 0;
    for (let r = c; r < rows; r++) vnorm += (v[r] as number) ** 2;
    if (vnorm === 0) continue;
    for (let k = c; k < cols; k++) {
      let dot = 0;
      for (let r = c; r < rows; r++) dot += (v[r] as number) * (A[r]?.[k] as number);
      const f = (2 * dot) / vnorm;
      for (let r = c; r < rows; r++)
        (A[r] as number[])[k] = (A[r]?.[k] as number) - f * (v[r] as number);
    }
    let dot = 0;
    for (let r = c; r < rows; r++) dot += (v[r] as number) * (b[r] as number);
    const f = (2 * dot) / vnorm;
    for (let r = c; r < rows; r++) b[r] = (b[r] as number) - f * (v[r] as number);
  }
  const coef = [0, 0, 0];
  for (let c = cols - 1; c >= 0; c--) {
    let s = b[c] as number;
    for (let k = c + 1; k < cols; k++) s -= (A[c]?.[k] as number) * (coef[k] as number);
    coef[c] = s / (A[c]?.[c] as number);
  }
  return [
    (coef[0] as number) / (scale[0] as number),
    (coef[1] as number) / (scale[1] as number),
    (coef[2] as number) / (scale[2] as number),
  ];
}

function upperBound(sorted: Float64Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * k-sample Anderson-Darling test for two samples: `scipy.stats.anderson_ksamp([reference, current])`
 * with its default midrank variant (Scholz & Stephens 1987, eq. 7, for data with ties). The statistic
 * is normalized; the p-value is interpolated from Scholz & Stephens' table and, as in SciPy, capped
 * to [0.001, 0.25] outside the table.
 *
 * @throws ValidationError when a sample is empty, all values are equal, or fewer than 4 values are pooled.
 */
export function andersonDarling(
  reference: NumericSample,
  current: NumericSample,
): AndersonDarlingResult {
  const samples = [sortedSample(reference, 'reference'), sortedSample(current, 'current')];
  const k = samples.length;
  const n = samples.map((s) => s.length);
  const N = (n[0] as number) + (n[1] as number);
  if (N < 4) {
    throw new ValidationError(
      `andersonDarling needs at least 4 values in total, got ${N}; pass larger samples`,
      [{ path: ['reference'], message: 'too few values' }],
    );
  }
  const Z = new Float64Array(N);
  Z.set(samples[0] as Float64Array);
  Z.set(samples[1] as Float64Array, n[0]);
  Z.sort();
  const zStar: number[] = [];
  const lj: number[] = [];
  const left: number[] = [];
  for (let i = 0; i < N; ) {
    const value = Z[i] as number;
    let e = i;
    while (e < N && Z[e] === value) e++;
    zStar.push(value);
    left.push(i);
    lj.push(e - i);
    i = e;
  }
  if (zStar.length < 2) {
    throw new ValidationError(
      'andersonDarling needs more than one distinct value in the pooled samples',
      [{ path: ['reference'], message: 'every value is equal' }],
    );
  }
  let A2akN = 0;
  for (let s = 0; s < k; s++) {
    const sample = samples[s] as Float64Array;
    let inner = 0;
    for (let j = 0; j < zStar.length; j++) {
      const z = zStar[j] as number;
      const l = N === zStar.length ? 1 : (lj[j] as number);
      const Bj = (left[j] as number) + l / 2;
      const right = upperBound(sample, z);
      let leftCount = right;
      while (leftCount > 0 && sample[leftCount - 1] === z) leftCount--;
      const fij = right - leftCount;
      const Mij = right - fij / 2;
      inner += ((l / N) * (N * Mij - Bj * (n[s] as number)) ** 2) / (Bj * (N - Bj) - (N * l) / 4);
    }
    A2akN += inner / (n[s] as number);
  }
  A2akN *= (N - 1) / N;

  const H = 1 / (n[0] as number) + 1 / (n[1] as number);
  let cumulative = 0;
  let g = 0;
  for (let i = 0; i < N - 2; i++) {
    cumulative += 1 / (N - 1 - i);
    g += cumulative / (2 + i);
  }
  const h = cumulative + 1;
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * k ** 2 + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * k ** 2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * k ** 2 - 4 * h * k;
  const sigmasq = (a * N ** 3 + b * N ** 2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
  const m = k - 1;
  const statistic = (A2akN - m) / Math.sqrt(sigmasq);
  const critical = B0.map((b0, i) => b0 + (B1[i] as number) / Math.sqrt(m) + (B2[i] as number) / m);
  let pValue: number;
  if (statistic < Math.min(...critical)) pValue = 0.25;
  else if (statistic > Math.max(...critical)) pValue = 0.001;
  else {
    const [c2, c1, c0] = quadraticFit(critical, SIG.map(Math.log));
    pValue = Math.exp((c2 * statistic + c1) * statistic + c0);
  }
  return { statistic, pValue, criticalValues: critical };
}
