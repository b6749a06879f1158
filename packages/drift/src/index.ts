/**
 * `@mlinfra/drift`: drift statistics that match SciPy, mergeable profiles, streaming monitors and
 * HTML reports. Runs in Node, browsers and edge runtimes (no `node:` imports).
 *
 * Stable API (other packages build on these; changes are breaking):
 * - `profile(table, options?) -> DatasetProfile` (JSON-serializable), `mergeProfiles(a, b)`
 * - `detectDrift(reference, current, options?) -> DriftReport` (reference/current: data or DatasetProfile)
 * - `createMonitor(options) -> Monitor`, `mergeWindows(a, b)`
 * - `renderHtmlReport(report, options?) -> string`
 * - statistics: `ksTest`, `chiSquareTest`, `chiSquareTestCounts`, `zTest`, `zTestCounts`,
 *   `wassersteinDistance`, `normedWassersteinDistance`, `jensenShannonDistance`, `psi`,
 *   `klDivergence`, `hellingerDistance`, `andersonDarling`, `cramerVonMises`, `mannWhitneyU`,
 *   `adjustPValues`
 * @packageDocumentation
 */

export { detectDrift } from './drift/detect-drift.js';
export type { ColumnDriftOptions, DetectDriftOptions } from './drift/detect-drift-options.js';
export type {
  ColumnDistribution,
  ColumnDriftResult,
  DriftReport,
  PerformanceReport,
} from './drift/drift-report.js';
export { DRIFT_TESTS, type DriftTestName } from './drift/drift-tests.js';
export type { CategoricalSample, NumericSample } from './input/samples.js';
export type {
  ArrowTableLike,
  ArrowVectorLike,
  ColumnKind,
  DictionaryColumn,
  TableInput,
} from './input/table-input.js';
export {
  createMonitor,
  type Monitor,
  type MonitorOptions,
  mergeWindows,
  type PerformanceOptions,
  type WindowSnapshot,
} from './monitor/monitor.js';
export type { PerformanceState } from './monitor/performance.js';
export type {
  CategoricalColumnProfile,
  ColumnProfile,
  NumericColumnProfile,
} from './profile/accumulators.js';
export type { FrequentItemsJson } from './profile/frequent-items.js';
export type { KllSketchJson } from './profile/kll.js';
export {
  type DatasetProfile,
  isDatasetProfile,
  mergeProfiles,
  type ProfileOptions,
  profile,
} from './profile/profile.js';
export { type HtmlReportOptions, renderHtmlReport } from './report/html-report.js';
export {
  type AndersonDarlingResult,
  andersonDarling,
} from './tests/anderson-darling.js';
export {
  type BinnableSample,
  type BinningOptions,
  hellingerDistance,
  jensenShannonDistance,
  klDivergence,
  psi,
} from './tests/binned.js';
export {
  type CategoryCounts,
  type ChiSquareTestResult,
  chiSquareTest,
  chiSquareTestCounts,
} from './tests/chi-square-test.js';
export {
  type CramerVonMisesOptions,
  type CramerVonMisesResult,
  cramerVonMises,
} from './tests/cramer-von-mises.js';
export { type KsTestOptions, type KsTestResult, ksTest } from './tests/ks-test.js';
export {
  type MannWhitneyUOptions,
  type MannWhitneyUResult,
  mannWhitneyU,
} from './tests/mann-whitney.js';
export { adjustPValues, type PValueCorrection } from './tests/multiple-testing.js';
export type { TestResult } from './tests/types.js';
export {
  NORMED_WASSERSTEIN_MIN_STD,
  normedWassersteinDistance,
  wassersteinDistance,
} from './tests/wasserstein.js';
export { type ZTestResult, zTest, zTestCounts } from './tests/z-test.js';
