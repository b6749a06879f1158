import type { ColumnKind } from '../input/table-input.js';

/** Names of the drift tests and distances {@link detectDrift} can run per column. */
export const DRIFT_TESTS = [
  'ks',
  'chi-square',
  'z',
  'wasserstein',
  'jensen-shannon',
  'psi',
  'kl',
  'hellinger',
  'anderson-darling',
  'cramer-von-mises',
  'mann-whitney',
] as const;

/** One of {@link DRIFT_TESTS}. `'wasserstein'` is the normed distance (divided by the reference's std). */
export type DriftTestName = (typeof DRIFT_TESTS)[number];

/** Tests that give a p-value; the others are distances. */
const P_VALUE_TESTS = new Set<DriftTestName>([
  'ks',
  'chi-square',
  'z',
  'anderson-darling',
  'cramer-von-mises',
  'mann-whitney',
]);

/** Tests that compare numbers and cannot run on a categorical column. */
export const NUMERIC_ONLY = new Set<DriftTestName>([
  'ks',
  'wasserstein',
  'anderson-darling',
  'cramer-von-mises',
  'mann-whitney',
]);

/** Default threshold: 0.05 for tests (drift when p < threshold), 0.1 for distances (drift when statistic >= threshold). */
export function defaultThreshold(test: DriftTestName): number {
  return P_VALUE_TESTS.has(test) ? 0.05 : 0.1;
}

/**
 * Evidently's automatic choice of test by column kind, the number of distinct values in both
 * samples together, and the reference size (rows, missing values included).
 */
export function chooseTest(
  kind: ColumnKind,
  distinct: number,
  referenceRows: number,
): DriftTestName {
  const numeric = kind === 'numeric' && distinct > 5;
  if (referenceRows <= 1000) {
    if (numeric) return 'ks';
    return distinct > 2 ? 'chi-square' : 'z';
  }
  return numeric ? 'wasserstein' : 'jensen-shannon';
}
