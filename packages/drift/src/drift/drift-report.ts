import type { ColumnKind } from '../input/table-input.js';
import type { PValueCorrection } from '../tests/multiple-testing.js';
import type { DriftTestName } from './drift-tests.js';

/** Binned proportions of a column on both sides, for charts. */
export interface ColumnDistribution {
  /** Bin labels (numeric ranges) or category names; `"(other)"` collects categories beyond the top 20. */
  labels: string[];
  /** Numeric bin edges (labels.length + 1 values), absent for categories. */
  edges?: number[];
  reference: number[];
  current: number[];
}

/** Drift result of one column. */
export interface ColumnDriftResult {
  column: string;
  kind: ColumnKind;
  /** `'prediction'` for columns listed in `predictionColumns`. */
  role: 'feature' | 'prediction';
  test: DriftTestName;
  statistic: number;
  /** p-value for tests, `null` for distances. */
  pValue: number | null;
  /** p-value after the multiple-testing correction (equals pValue when correction is 'none'). */
  adjustedPValue: number | null;
  threshold: number;
  drifted: boolean;
  referenceCount: number;
  currentCount: number;
  referenceMissing: number;
  currentMissing: number;
  /** True when computed from a sketch (a profile) rather than exact data. */
  approximate: boolean;
  /** Bound on the statistic's absolute error when approximate (KS, Wasserstein), else `null`. */
  errorBound: number | null;
  distribution: ColumnDistribution;
}

/** Result of {@link detectDrift}. JSON-serializable. */
export interface DriftReport {
  format: 'mlinfra.drift.report';
  version: 1;
  /** ISO time of creation. */
  createdAt: string;
  datasetDrift: boolean;
  /** Share of compared columns that drifted. */
  driftShare: number;
  /** The share at which the dataset counts as drifted. */
  driftShareThreshold: number;
  driftedColumns: number;
  columnCount: number;
  referenceRows: number;
  currentRows: number;
  correction: PValueCorrection;
  source: { reference: 'data' | 'profile'; current: 'data' | 'profile' };
  columns: ColumnDriftResult[];
  /** Set by monitors: the window this report covers (epoch ms). */
  window?: { start: number; end: number; index: number };
  /** Set by monitors tracking labels: model quality in this window. */
  performance?: PerformanceReport;
}

/** Model quality of one monitor window (see createMonitor). */
export interface PerformanceReport {
  task: 'classification' | 'regression';
  /** Predictions joined with a label in this window. */
  labeled: number;
  /** Predictions still waiting for a label; `expired` were dropped unlabeled when the pending limit was hit. */
  pending: number;
  expired: number;
  metrics: Record<string, number | null>;
  /** Metrics of the reference, when given, and which of them degraded beyond `maxDegradation`. */
  baseline?: Record<string, number>;
  degraded?: string[];
}
