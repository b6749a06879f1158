import type { NumericSample } from '../input/samples.js';
import { sortedSample } from '../internal/sample.js';
import type { TestResult } from './types.js';

/** Wasserstein-1 distance of two sorted finite samples (no validation). */
export function wassersteinSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  // Neumaier summation keeps the result within a few ulps of NumPy's pairwise sum.
  let sum = 0;
  let compensation = 0;
  let value = Math.min(a[0] as number, b[0] as number);
  for (;;) {
    while (i < n1 && (a[i] as number) <= value) i++;
    while (j < n2 && (b[j] as number) <= value) j++;
    if (i >= n1 && j >= n2) break;
    const next = Math.min(
      i < n1 ? (a[i] as number) : Infinity,
      j < n2 ? (b[j] as number) : Infinity,
    );
    const term = Math.abs(i / n1 - j / n2) * (next - value);
    const t = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
    sum = t;
    value = next;
  }
  return sum + compensation;
}

/**
 * Wasserstein-1 (earth mover's) distance between the empirical distributions of two samples:
 * `scipy.stats.wasserstein_distance(reference, current)`. In the units of the data.
 * @throws ValidationError on empty samples, NaN or infinities.
 */
export function wassersteinDistance(reference: NumericSample, current: NumericSample): TestResult {
  return {
    statistic: wassersteinSorted(
      sortedSample(reference, 'reference'),
      sortedSample(current, 'current'),
    ),
  };
}

/** Population standard deviation (ddof 0) by a two-pass algorithm. */
export function populationStd(values: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i] as number;
  mean /= values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] as number) - mean;
    sq += d * d;
  }
  return Math.sqrt(sq / values.length);
}

/** Floor of the normalizing standard deviation, as in Evidently. */
export const NORMED_WASSERSTEIN_MIN_STD = 0.001;

/**
 * Normed Wasserstein distance, as Evidently's default drift measure for large numeric columns:
 * `wasserstein_distance(reference, current) / max(std(reference, ddof=0), 0.001)`. Unitless;
 * 0.1 means the mass moved by a tenth of the reference's standard deviation on average.
 */
export function normedWassersteinDistance(
  reference: NumericSample,
  current: NumericSample,
): TestResult {
  const a = sortedSample(reference, 'reference');
  const b = sortedSample(current, 'current');
  return {
    statistic: wassersteinSorted(a, b) / Math.max(populationStd(a), NORMED_WASSERSTEIN_MIN_STD),
  };
}
