import * as z from 'zod/mini';
import type { NumericSample } from '../input/samples.js';
import { parseOptions } from '../internal/options.js';
import { sortedSample } from '../internal/sample.js';
import { normalSf } from '../special/gamma.js';
import { pooledRanks } from './rank.js';
import type { TestResult } from './types.js';

/** Options of {@link mannWhitneyU}. */
export interface MannWhitneyUOptions {
  /**
   * `'exact'`, `'asymptotic'` (normal approximation with tie correction), or `'auto'` (default:
   * exact when either sample has at most 8 values and there are no ties), as SciPy.
   */
  method?: 'auto' | 'exact' | 'asymptotic';
  /** Continuity correction of the normal approximation. Default `true`. */
  continuity?: boolean;
}

const schema = z.strictObject({
  method: z.optional(z.enum(['auto', 'exact', 'asymptotic'])),
  continuity: z.optional(z.boolean()),
});

/** Result of {@link mannWhitneyU}. */
export interface MannWhitneyUResult extends TestResult {
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/** P(U >= k) under H0 for sizes n1 <= n2, by the recursion SciPy's `_MWU` uses (Löffler 1983). */
function exactSf(k: number, n1In: number, n2In: number): number {
  const n1 = Math.min(n1In, n2In);
  const n2 = Math.max(n1In, n2In);
  const kc0 = n1 * n2 - k;
  const small = k < kc0;
  const kc = small ? k : kc0;
  const maxu = kc;
  const sigma = new Float64Array(maxu + 1);
  for (let d = 1; d <= n1; d++)
    for (let i = d; i <= maxu; i += d) sigma[i] = (sigma[i] as number) + d;
  for (let d = n2 + 1; d <= n2 + n1; d++)
    for (let i = d; i <= maxu; i += d) sigma[i] = (sigma[i] as number) - d;
  const configurations = new Float64Array(maxu + 1);
  configurations[0] = 1;
  for (let u = 1; u <= maxu; u++) {
    let dot = 0;
    for (let i = 0; i < u; i++) dot += (configurations[i] as number) * (sigma[u - i] as number);
    configurations[u] = dot / u;
  }
  let total = 1;
  for (let i = 1; i <= n1; i++) total = (total * (n2 + i)) / i;
  let cdf = 0;
  for (let u = 0; u <= kc; u++) cdf += (configurations[u] as number) / total;
  if (small) return 1 - cdf + (configurations[kc] as number) / total;
  return cdf;
}

/**
 * Mann-Whitney U test, two-sided: `scipy.stats.mannwhitneyu(reference, current)`. The statistic is
 * U of `reference` (R1 - n1(n1+1)/2); the p-value uses max(U1, U2).
 * @throws ValidationError on empty samples, NaN or infinities.
 */
export function mannWhitneyU(
  reference: NumericSample,
  current: NumericSample,
  options: MannWhitneyUOptions = {},
): MannWhitneyUResult {
  const { method = 'auto', continuity = true } = parseOptions(
    schema,
    options,
    'mannWhitneyU options',
  );
  const x = sortedSample(reference, 'reference');
  const y = sortedSample(current, 'current');
  const n1 = x.length;
  const n2 = y.length;
  const { ranksA, ties } = pooledRanks(x, y);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranksA[i] as number;
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const u = Math.max(u1, u2);
  const hasTies = ties.some((t) => t > 1);
  const mode =
    method === 'auto'
      ? n1 > 8 && n2 > 8
        ? 'asymptotic'
        : hasTies
          ? 'asymptotic'
          : 'exact'
      : method;
  let p: number;
  if (mode === 'exact') {
    p = exactSf(Math.round(u), n1, n2);
  } else {
    const mu = (n1 * n2) / 2;
    const n = n1 + n2;
    let tieTerm = 0;
    for (const t of ties) tieTerm += t ** 3 - t;
    const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
    let numerator = u - mu;
    if (continuity) numerator -= 0.5;
    p = normalSf(numerator / s);
  }
  return { statistic: u1, pValue: Math.min(1, Math.max(0, p * 2)), method: mode };
}
