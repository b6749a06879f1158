import { ValidationError } from '@mlinfra/core/schema';
import type { CategoricalSample } from '../input/samples.js';
import { countCategories } from '../internal/sample.js';
import { normalSf } from '../special/gamma.js';
import type { TestResult } from './types.js';

/** Result of {@link zTest}. */
export interface ZTestResult extends TestResult {
  pValue: number;
}

/**
 * Two-proportion z-test (pooled variance), two-sided, from success counts:
 * z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2)), p-value = 2·Φ̄(|z|).
 * When both proportions are 0 or both are 1 the samples are identical: z = 0 and p = 1.
 * (Evidently computes `2 * (1 - norm.cdf(|z|))`, which loses precision below 1e-16; this uses
 * the normal survival function, equal to `2 * scipy.stats.norm.sf(abs(z))`.)
 */
export function zTestCounts(
  reference: { successes: number; total: number },
  current: { successes: number; total: number },
): ZTestResult {
  for (const [name, side] of [
    ['reference', reference],
    ['current', current],
  ] as const) {
    if (
      !Number.isInteger(side.total) ||
      side.total < 1 ||
      !Number.isInteger(side.successes) ||
      side.successes < 0 ||
      side.successes > side.total
    ) {
      throw new ValidationError(
        `${name} must have an integer total >= 1 and 0 <= successes <= total`,
        [{ path: [name], message: `got successes=${side.successes}, total=${side.total}` }],
      );
    }
  }
  const p1 = reference.successes / reference.total;
  const p2 = current.successes / current.total;
  const pooled = (reference.successes + current.successes) / (reference.total + current.total);
  const variance = pooled * (1 - pooled) * (1 / reference.total + 1 / current.total);
  if (variance === 0) return { statistic: 0, pValue: 1 };
  const statistic = (p1 - p2) / Math.sqrt(variance);
  return { statistic, pValue: Math.min(1, 2 * normalSf(Math.abs(statistic))) };
}

/**
 * Two-proportion z-test on a binary column. The two values are taken from both samples together;
 * the "success" is the value that sorts last as a string (for booleans: `true`; for 0/1: `1`).
 * @throws ValidationError when the samples hold more than two distinct values together.
 */
export function zTest(reference: CategoricalSample, current: CategoricalSample): ZTestResult {
  const ref = countCategories(reference, 'reference');
  const cur = countCategories(current, 'current');
  const keys = [...new Set([...ref.keys(), ...cur.keys()])].sort();
  if (keys.length > 2) {
    throw new ValidationError(
      `zTest needs a binary column, but the samples hold ${keys.length} distinct values; use chiSquareTest for more categories`,
      [{ path: ['reference'], message: `distinct values: ${keys.slice(0, 5).join(', ')}` }],
    );
  }
  const success = keys[keys.length - 1] as string;
  return zTestCounts(
    { successes: ref.get(success) ?? 0, total: reference.length },
    { successes: cur.get(success) ?? 0, total: current.length },
  );
}
