import * as z from 'zod/mini';
import type { NumericSample } from '../input/samples.js';
import { parseOptions } from '../internal/options.js';
import { sortedSample } from '../internal/sample.js';
import { besselK025 } from '../special/bessel.js';
import { logGamma } from '../special/gamma.js';
import { pooledRanks } from './rank.js';
import type { TestResult } from './types.js';

/** Options of {@link cramerVonMises}. */
export interface CramerVonMisesOptions {
  /** `'exact'`, `'asymptotic'`, or `'auto'` (default: exact when both samples have at most 20 values), as SciPy. */
  method?: 'auto' | 'exact' | 'asymptotic';
}

const schema = z.strictObject({ method: z.optional(z.enum(['auto', 'exact', 'asymptotic'])) });

/** Result of {@link cramerVonMises}. */
export interface CramerVonMisesResult extends TestResult {
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/** CDF of the limiting Cramér-von Mises distribution (Csörgő & Faraway 1996, eq. 1.2), as SciPy's `_cdf_cvm_inf`. */
function cdfCvmInf(x: number): number {
  let total = 0;
  for (let k = 0; k < 1000; k++) {
    const u = Math.exp(logGamma(k + 0.5) - logGamma(k + 1)) / (Math.PI ** 1.5 * Math.sqrt(x));
    const y = 4 * k + 1;
    const q = y ** 2 / (16 * x);
    const term = u * Math.sqrt(y) * Math.exp(-q) * besselK025(q);
    total += term;
    if (!(Math.abs(term) >= 1e-7)) break;
  }
  return total;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return x;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/** Exact p-value (Xiao, Gordon & Yakovlev 2006), as SciPy's `_pval_cvm_2samp_exact`. */
function exactPValue(s: number, m: number, n: number): number {
  const lcm = (m / gcd(m, n)) * n;
  const a = lcm / m;
  const b = lcm / n;
  const mn = m * n;
  const zeta = Math.floor((lcm ** 2 * (m + n) * (6 * s - mn * (4 * mn - 1))) / (6 * mn ** 2));
  const combinations = binomial(m + n, m);
  let gs: Map<number, number>[] = [new Map([[0, 1]])];
  for (let v = 0; v < m; v++) gs.push(new Map());
  for (let u = 0; u <= n; u++) {
    const next: Map<number, number>[] = [];
    let tmp = new Map<number, number>();
    for (let v = 0; v < gs.length; v++) {
      const g = gs[v] as Map<number, number>;
      const res = (a * v - b * u) ** 2;
      const merged = new Map<number, number>();
      for (const [value, freq] of tmp) merged.set(value + res, freq);
      for (const [value, freq] of g) merged.set(value + res, (merged.get(value + res) ?? 0) + freq);
      tmp = merged;
      next.push(tmp);
    }
    gs = next;
  }
  let count = 0;
  for (const [value, freq] of gs[m] as Map<number, number>) if (value >= zeta) count += freq;
  return count / combinations;
}

/**
 * Two-sample Cramér-von Mises test: `scipy.stats.cramervonmises_2samp(reference, current, method)`.
 * Ties get midranks. The statistic is T (Anderson 1962, eq. 9).
 * @throws ValidationError when a sample has fewer than 2 values, or on NaN/infinities.
 */
export function cramerVonMises(
  reference: NumericSample,
  current: NumericSample,
  options: CramerVonMisesOptions = {},
): CramerVonMisesResult {
  const { method = 'auto' } = parseOptions(schema, options, 'cramerVonMises options');
  const x = sortedSample(reference, 'reference', 2);
  const y = sortedSample(current, 'current', 2);
  const nx = x.length;
  const ny = y.length;
  const mode = method === 'auto' ? (Math.max(nx, ny) > 20 ? 'asymptotic' : 'exact') : method;
  const { ranksA, ranksB } = pooledRanks(x, y);
  let sx = 0;
  for (let i = 0; i < nx; i++) sx += ((ranksA[i] as number) - (i + 1)) ** 2;
  let sy = 0;
  for (let i = 0; i < ny; i++) sy += ((ranksB[i] as number) - (i + 1)) ** 2;
  const u = nx * sx + ny * sy;
  const k = nx * ny;
  const N = nx + ny;
  const t = u / (k * N) - (4 * k - 1) / (6 * N);
  if (mode === 'exact') return { statistic: t, pValue: exactPValue(u, nx, ny), method: 'exact' };
  const et = (1 + 1 / N) / 6;
  let vt = (N + 1) * (4 * k * N - 3 * (nx ** 2 + ny ** 2) - 2 * k);
  vt = vt / (45 * N ** 2 * 4 * k);
  const tn = 1 / 6 + (t - et) / Math.sqrt(45 * vt);
  const pValue = tn >= 0.003 ? Math.max(1 - cdfCvmInf(tn), 0) : 1;
  return { statistic: t, pValue, method: 'asymptotic' };
}
