import { ValidationError } from '@mlinfra/core/schema';

/** A multiple-testing correction. */
export type PValueCorrection = 'none' | 'bonferroni' | 'benjamini-hochberg';

/**
 * Adjusts p-values for multiple testing, as `statsmodels.stats.multitest.multipletests`:
 * `'bonferroni'` multiplies by the number of tests (capped at 1); `'benjamini-hochberg'` gives
 * the step-up FDR-adjusted values (`fdr_bh`); `'none'` returns a copy. Order is preserved.
 * Compare the adjusted values with your alpha to decide.
 * @throws ValidationError when a p-value is not in [0, 1].
 */
export function adjustPValues(pValues: readonly number[], method: PValueCorrection): number[] {
  pValues.forEach((p, i) => {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new ValidationError(`pValues[${i}] is ${String(p)}; p-values must lie in [0, 1]`, [
        { path: ['pValues', i], message: 'expected a number in [0, 1]' },
      ]);
    }
  });
  const m = pValues.length;
  if (method === 'none' || m === 0) return [...pValues];
  if (method === 'bonferroni') return pValues.map((p) => Math.min(1, p * m));
  if (method !== 'benjamini-hochberg') {
    throw new ValidationError(
      `Unknown correction "${String(method)}"; use none, bonferroni or benjamini-hochberg`,
      [{ path: ['method'], message: 'unknown correction' }],
    );
  }
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const [p, index] = order[rank - 1] as readonly [number, number];
    running = Math.min(running, (p * m) / rank);
    adjusted[index] = Math.min(1, running);
  }
  return adjusted;
}
