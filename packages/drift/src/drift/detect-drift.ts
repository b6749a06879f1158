import { parseSchema, type TableSchema, ValidationError } from '@mlinfra/core/schema';
import * as z from 'zod/mini';
import type { ColumnKind, TableInput } from '../input/table-input.js';
import { parseOptions } from '../internal/options.js';
import { sortFloat64 } from '../internal/sort.js';
import {
  categoryValue,
  detectKind,
  isMissing,
  normalizeTable,
  numericValue,
} from '../internal/table.js';
import type {
  CategoricalAccumulator,
  ColumnAccumulator,
  NumericAccumulator,
} from '../profile/accumulators.js';
import { SketchCdf } from '../profile/kll.js';
import {
  accumulatorFromProfile,
  assertProfile,
  type DatasetProfile,
  isDatasetProfile,
} from '../profile/profile.js';
import { kolmogorovSf } from '../special/kolmogorov.js';
import { andersonDarling } from '../tests/anderson-darling.js';
import {
  fillZeros,
  hellingerFromProportions,
  jensenShannonFromProportions,
  klFromProportions,
  psiFromProportions,
} from '../tests/binned.js';
import { chiSquareTestCounts } from '../tests/chi-square-test.js';
import { cramerVonMises } from '../tests/cramer-von-mises.js';
import { ksTestSorted } from '../tests/ks-test.js';
import { mannWhitneyU } from '../tests/mann-whitney.js';
import { adjustPValues, type PValueCorrection } from '../tests/multiple-testing.js';
import { wassersteinSorted } from '../tests/wasserstein.js';
import { zTestCounts } from '../tests/z-test.js';
import {
  type CategoricalSide,
  categoricalFromAccumulator,
  equalWidthEdges,
  KLL_RANK_ERROR,
  ksStatisticApprox,
  type NumericSide,
  numericBinProportions,
  numericCount,
  numericDistinct,
  numericExact,
  numericValueCounts,
  populationStdOf,
  requireNonEmpty,
  unionDistinct,
  wassersteinApprox,
} from './column-data.js';

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

const P_VALUE_TESTS = new Set<DriftTestName>([
  'ks',
  'chi-square',
  'z',
  'anderson-darling',
  'cramer-von-mises',
  'mann-whitney',
]);
const NUMERIC_ONLY = new Set<DriftTestName>([
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

/** Per-column settings of {@link detectDrift}. */
export interface ColumnDriftOptions {
  /** Test or distance to use instead of the automatic choice. */
  test?: DriftTestName;
  /** Threshold instead of the test's default. */
  threshold?: number;
}

/** Options of {@link detectDrift}. */
export interface DetectDriftOptions {
  /** Column types; listed columns are numeric or categorical by type, others are inferred from reference values. */
  schema?: TableSchema;
  /** Columns to compare (default: every column of the reference). */
  columns?: string[];
  /** Columns to skip (ids, timestamps). */
  ignore?: string[];
  /** Per-column test and threshold overrides, by column name. */
  perColumn?: Record<string, ColumnDriftOptions>;
  /** Test for every numeric column instead of the automatic choice. */
  numericTest?: DriftTestName;
  /** Test for every categorical column instead of the automatic choice. */
  categoricalTest?: DriftTestName;
  /** Threshold for every column instead of the test's default (per-column settings still win). */
  threshold?: number;
  /** The dataset drifts when the share of drifted columns reaches this. Default 0.5. */
  driftShare?: number;
  /** Multiple-testing correction applied to the p-values of all test-based columns before thresholding. Default `'none'` (as Evidently). */
  correction?: PValueCorrection;
  /** Equal-width bins for binned measures on numeric columns. Default 30. */
  bins?: number;
  /** KS p-value method on raw data. Default `'auto'`. */
  ksMethod?: 'auto' | 'exact' | 'asymp';
  /** Columns that hold model outputs; their results get `role: 'prediction'`. */
  predictionColumns?: string[];
}

// zod/mini keeps this entry point small in browser bundles (issue 18).
const columnOptionsSchema = z.strictObject({
  test: z.optional(z.enum(DRIFT_TESTS)),
  threshold: z.optional(z.number().check(z.gte(0))),
});

const detectDriftOptionsSchema = z.strictObject({
  schema: z.optional(z.unknown()),
  columns: z.optional(z.array(z.string())),
  ignore: z.optional(z.array(z.string())),
  perColumn: z.optional(z.record(z.string(), columnOptionsSchema)),
  numericTest: z.optional(z.enum(DRIFT_TESTS)),
  categoricalTest: z.optional(z.enum(DRIFT_TESTS)),
  threshold: z.optional(z.number().check(z.gte(0))),
  driftShare: z.optional(z.number().check(z.gt(0), z.lte(1))),
  correction: z.optional(z.enum(['none', 'bonferroni', 'benjamini-hochberg'])),
  bins: z.optional(z.int().check(z.gte(2), z.lte(10000))),
  ksMethod: z.optional(z.enum(['auto', 'exact', 'asymp'])),
  predictionColumns: z.optional(z.array(z.string())),
});

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

type Side =
  | { kind: 'data'; table: ReturnType<typeof normalizeTable> }
  | { kind: 'profile'; profile: DatasetProfile };

function sideOf(input: unknown, what: 'reference' | 'current'): Side {
  if (isDatasetProfile(input)) return { kind: 'profile', profile: assertProfile(input, what) };
  return { kind: 'data', table: normalizeTable(input, what) };
}

function columnNames(side: Side): string[] {
  return side.kind === 'profile' ? Object.keys(side.profile.columns) : side.table.names;
}

function rowCount(side: Side): number {
  return side.kind === 'profile' ? side.profile.rowCount : side.table.rowCount;
}

function hasColumn(side: Side, name: string): boolean {
  return side.kind === 'profile' ? name in side.profile.columns : side.table.names.includes(name);
}

function kindOf(side: Side, name: string, schema: TableSchema | undefined): ColumnKind {
  if (side.kind === 'profile') {
    const declared = schema?.columns.find((c) => c.name === name);
    const kind = (side.profile.columns[name] as { kind: ColumnKind }).kind;
    if (
      declared &&
      (declared.type === 'string' || declared.type === 'category' || declared.type === 'bool') !==
        (kind === 'categorical')
    ) {
      throw new ValidationError(
        `Column "${name}" is ${kind} in the reference profile but declared ${declared.type} in options.schema`,
        [{ path: ['schema', name], message: 'type does not match the profile' }],
      );
    }
    return kind;
  }
  return detectKind(side.table.column(name), name, 'reference', schema);
}

function numericSide(side: Side, name: string, what: 'reference' | 'current'): NumericSide {
  if (side.kind === 'profile') {
    const column = side.profile.columns[name];
    if (column?.kind !== 'numeric') {
      throw new ValidationError(
        `Column "${name}" is numeric in the reference but ${column?.kind} in the ${what} profile`,
        [{ path: [what, name], message: 'expected a numeric column' }],
      );
    }
    const acc = accumulatorFromProfile(column) as NumericAccumulator;
    return { source: 'profile', acc, cdf: new SketchCdf(acc.sketch), missing: acc.missing };
  }
  const values = side.table.column(name);
  const out = new Float64Array(values.length);
  let n = 0;
  let missing = 0;
  if (values instanceof Float64Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v - v === 0) out[n++] = v;
      else if (Number.isNaN(v)) missing++;
      else numericValue(v, name, what, i); // throws: infinity
    }
  } else if (values instanceof Float32Array) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) missing++;
      else out[n++] = numericValue(v, name, what, i);
    }
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      // Fast path for finite numbers; everything else goes through the checks.
      if (typeof v === 'number' && v - v === 0) out[n++] = v;
      else if (isMissing(v)) missing++;
      else out[n++] = numericValue(v, name, what, i);
    }
  }
  return { source: 'data', sorted: sortFloat64(out.subarray(0, n)), missing };
}

function categoricalSide(side: Side, name: string, what: 'reference' | 'current'): CategoricalSide {
  if (side.kind === 'profile') {
    const column = side.profile.columns[name];
    if (column?.kind === 'numeric') {
      // A low-cardinality numeric profile compares as categories when its exact values are known.
      const acc = accumulatorFromProfile(column) as NumericAccumulator;
      if (acc.values === null) {
        throw new ValidationError(
          `Column "${name}" of the ${what} profile has too many distinct values to compare as categories`,
          [{ path: [what, name], message: 'use a numeric test' }],
        );
      }
      return {
        source: 'profile',
        counts: new Map([...acc.values].map(([v, c]) => [String(v), c])),
        total: acc.count,
        missing: acc.missing,
        error: 0,
      };
    }
    return categoricalFromAccumulator(
      accumulatorFromProfile(column as never) as CategoricalAccumulator,
    );
  }
  const values = side.table.column(name);
  const counts = new Map<string, number>();
  let missing = 0;
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isMissing(v)) {
      missing++;
      continue;
    }
    const key = categoryValue(v, name, what, i);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    total++;
  }
  return { source: 'data', counts, total, missing, error: 0 };
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

function aligned(
  a: CategoricalSide,
  b: CategoricalSide,
): { keys: string[]; ref: Float64Array; cur: Float64Array } {
  const keys = [...new Set([...a.counts.keys(), ...b.counts.keys()])];
  return {
    keys,
    ref: Float64Array.from(keys, (k) => (a.counts.get(k) ?? 0) / a.total),
    cur: Float64Array.from(keys, (k) => (b.counts.get(k) ?? 0) / b.total),
  };
}

function binnedMeasure(test: DriftTestName, ref: Float64Array, cur: Float64Array): number {
  switch (test) {
    case 'psi':
      return psiFromProportions(fillZeros(ref, 'evidently'), fillZeros(cur, 'evidently'));
    case 'kl':
      return klFromProportions(fillZeros(ref, 'evidently'), fillZeros(cur, 'evidently'));
    case 'hellinger':
      return hellingerFromProportions(ref, cur);
    default:
      return jensenShannonFromProportions(ref, cur);
  }
}

function categoricalDistribution(a: CategoricalSide, b: CategoricalSide): ColumnDistribution {
  const { keys, ref, cur } = aligned(a, b);
  const order = keys
    .map((k, i) => [k, (ref[i] as number) + (cur[i] as number), i] as const)
    .sort((x, y) => y[1] - x[1]);
  const top = order.slice(0, 20);
  const labels = top.map((t) => t[0]);
  const reference = top.map((t) => ref[t[2]] as number);
  const current = top.map((t) => cur[t[2]] as number);
  if (order.length > 20) {
    labels.push('(other)');
    reference.push(Math.max(0, 1 - reference.reduce((s, v) => s + v, 0)));
    current.push(Math.max(0, 1 - current.reduce((s, v) => s + v, 0)));
  }
  return { labels, reference, current };
}

function numericDistribution(a: NumericSide, b: NumericSide): ColumnDistribution {
  const edges = equalWidthEdges(a, b, 20);
  const fmt = (v: number) => Number(v.toPrecision(4)).toString();
  return {
    labels: Array.from(
      { length: 20 },
      (_, i) => `${fmt(edges[i] as number)} – ${fmt(edges[i + 1] as number)}`,
    ),
    edges: [...edges],
    reference: [...numericBinProportions(a, edges)],
    current: [...numericBinProportions(b, edges)],
  };
}

interface Computed {
  statistic: number;
  pValue: number | null;
  approximate: boolean;
  errorBound: number | null;
}

function rawNumbers(side: NumericSide, name: string, test: DriftTestName): Float64Array {
  if (side.source === 'data') return side.sorted;
  throw new ValidationError(
    `Test "${test}" for column "${name}" needs raw values; it cannot run on a profile. Pass data, or use ks, wasserstein, jensen-shannon, psi, kl or hellinger`,
    [{ path: ['perColumn', name, 'test'], message: 'not available on profiles' }],
  );
}

function runNumeric(
  test: DriftTestName,
  a: NumericSide,
  b: NumericSide,
  name: string,
  bins: number,
  ksMethod: 'auto' | 'exact' | 'asymp',
): Computed {
  const exact = numericExact(a) && numericExact(b);
  const bound = (numericExact(a) ? 0 : KLL_RANK_ERROR) + (numericExact(b) ? 0 : KLL_RANK_ERROR);
  switch (test) {
    case 'ks': {
      if (a.source === 'data' && b.source === 'data') {
        const r = ksTestSorted(a.sorted, b.sorted, ksMethod);
        return { statistic: r.statistic, pValue: r.pValue, approximate: false, errorBound: null };
      }
      const d = ksStatisticApprox(a, b);
      const n1 = numericCount(a);
      const n2 = numericCount(b);
      const en = (Math.max(n1, n2) * Math.min(n1, n2)) / (n1 + n2);
      return {
        statistic: d,
        pValue: kolmogorovSf(Math.round(en), d),
        approximate: !exact,
        errorBound: exact ? null : bound,
      };
    }
    case 'wasserstein': {
      const std = Math.max(populationStdOf(a), 0.001);
      if (a.source === 'data' && b.source === 'data') {
        return {
          statistic: wassersteinSorted(a.sorted, b.sorted) / std,
          pValue: null,
          approximate: false,
          errorBound: null,
        };
      }
      const range =
        Math.max(
          a.source === 'data' ? (a.sorted[a.sorted.length - 1] as number) : a.acc.max,
          b.source === 'data' ? (b.sorted[b.sorted.length - 1] as number) : b.acc.max,
        ) -
        Math.min(
          a.source === 'data' ? (a.sorted[0] as number) : a.acc.min,
          b.source === 'data' ? (b.sorted[0] as number) : b.acc.min,
        );
      return {
        statistic: wassersteinApprox(a, b) / std,
        pValue: null,
        approximate: !exact,
        errorBound: exact ? null : (bound * range) / std,
      };
    }
    case 'anderson-darling': {
      const r = andersonDarling(rawNumbers(a, name, test), rawNumbers(b, name, test));
      return { statistic: r.statistic, pValue: r.pValue, approximate: false, errorBound: null };
    }
    case 'cramer-von-mises': {
      const r = cramerVonMises(rawNumbers(a, name, test), rawNumbers(b, name, test));
      return { statistic: r.statistic, pValue: r.pValue, approximate: false, errorBound: null };
    }
    case 'mann-whitney': {
      const r = mannWhitneyU(rawNumbers(a, name, test), rawNumbers(b, name, test));
      return { statistic: r.statistic, pValue: r.pValue, approximate: false, errorBound: null };
    }
    case 'chi-square':
    case 'z': {
      const ca = numericValueCounts(a);
      const cb = numericValueCounts(b);
      if (!ca || !cb) {
        throw new ValidationError(
          `Test "${test}" for numeric column "${name}" needs exact value counts, which a profile keeps only for columns with at most 32 distinct values`,
          [{ path: ['perColumn', name, 'test'], message: 'use ks or wasserstein' }],
        );
      }
      const toSide = (counts: Map<number, number>, side: NumericSide): CategoricalSide => ({
        source: side.source,
        counts: new Map([...counts].map(([v, c]) => [String(v), c])),
        total: numericCount(side),
        missing: side.missing,
        error: 0,
      });
      return runCategorical(test, toSide(ca, a), toSide(cb, b), name);
    }
    default: {
      // Binned measures: Evidently's rule (equal-width bins over both samples when the reference
      // has more than 20 distinct values, else one bin per value).
      const distinct = numericDistinct(a);
      const ca = distinct <= 20 ? numericValueCounts(a) : null;
      const cb = ca ? numericValueCounts(b) : null;
      if (ca && cb) {
        const keys = [...new Set([...ca.keys(), ...cb.keys()])].sort((x, y) => x - y);
        const ref = Float64Array.from(keys, (k) => (ca.get(k) ?? 0) / numericCount(a));
        const cur = Float64Array.from(keys, (k) => (cb.get(k) ?? 0) / numericCount(b));
        return {
          statistic: binnedMeasure(test, ref, cur),
          pValue: null,
          approximate: false,
          errorBound: null,
        };
      }
      const edges = equalWidthEdges(a, b, bins);
      return {
        statistic: binnedMeasure(
          test,
          numericBinProportions(a, edges),
          numericBinProportions(b, edges),
        ),
        pValue: null,
        approximate: !exact,
        errorBound: null,
      };
    }
  }
}

function runCategorical(
  test: DriftTestName,
  a: CategoricalSide,
  b: CategoricalSide,
  name: string,
): Computed {
  const approximate = a.error > 0 || b.error > 0;
  if (NUMERIC_ONLY.has(test)) {
    throw new ValidationError(
      `Test "${test}" needs a numeric column, but "${name}" is categorical; use chi-square, z, jensen-shannon, psi, kl or hellinger`,
      [{ path: ['perColumn', name, 'test'], message: 'numeric test on a categorical column' }],
    );
  }
  if (test === 'chi-square') {
    const r = chiSquareTestCounts(a.counts, b.counts);
    return { statistic: r.statistic, pValue: r.pValue, approximate, errorBound: null };
  }
  if (test === 'z') {
    const keys = [...new Set([...a.counts.keys(), ...b.counts.keys()])].sort();
    if (keys.length > 2) {
      throw new ValidationError(
        `Test "z" needs a binary column, but "${name}" has ${keys.length} values; use chi-square`,
        [{ path: ['perColumn', name, 'test'], message: 'not binary' }],
      );
    }
    const success = keys[keys.length - 1] as string;
    const r = zTestCounts(
      { successes: a.counts.get(success) ?? 0, total: a.total },
      { successes: b.counts.get(success) ?? 0, total: b.total },
    );
    return { statistic: r.statistic, pValue: r.pValue, approximate, errorBound: null };
  }
  const { ref, cur } = aligned(a, b);
  return { statistic: binnedMeasure(test, ref, cur), pValue: null, approximate, errorBound: null };
}

/**
 * Compares two datasets column by column and decides whether each column, and the dataset,
 * drifted. `reference` and `current` may each be raw data (row objects, column arrays, an Apache
 * Arrow Table) or a {@link DatasetProfile}; with a profile the measures are computed from its
 * sketches and marked `approximate` with an error bound.
 *
 * The test per column is chosen as Evidently documents it: with a reference of at most 1000 rows,
 * KS for numeric columns with more than 5 distinct values, chi-square for other columns with more
 * than 2 values, and the two-proportion Z-test for binary ones; above 1000 rows, the normed
 * Wasserstein distance for numeric columns and Jensen-Shannon for the others. A test drifts when
 * p < threshold (default 0.05), a distance when statistic >= threshold (default 0.1). The dataset
 * drifts when the share of drifted columns reaches `driftShare` (default 0.5).
 *
 * Missing values (null, undefined, NaN) are dropped before testing and counted per side.
 *
 * @throws ValidationError naming the column for mismatched columns, empty samples, wrong types
 * or infinities; and for invalid options.
 */
export function detectDrift(
  reference: TableInput | DatasetProfile,
  current: TableInput | DatasetProfile,
  options: DetectDriftOptions = {},
): DriftReport {
  const parsed = parseOptions(detectDriftOptionsSchema, options, 'detectDrift options');
  const schema = parsed.schema === undefined ? undefined : parseSchema(parsed.schema);
  const ref = sideOf(reference, 'reference');
  const cur = sideOf(current, 'current');
  const ignore = new Set(parsed.ignore ?? []);
  const names = (parsed.columns ?? columnNames(ref)).filter((n) => !ignore.has(n));
  const missingColumns = names.filter((n) => !hasColumn(cur, n));
  const unknownColumns = names.filter((n) => !hasColumn(ref, n));
  if (missingColumns.length > 0 || unknownColumns.length > 0) {
    const issues = [
      ...missingColumns.map((n) => ({
        path: ['current', n],
        message: `column "${n}" is in the reference but not in current`,
      })),
      ...unknownColumns.map((n) => ({
        path: ['reference', n],
        message: `column "${n}" is not in the reference`,
      })),
    ];
    throw new ValidationError(
      `Reference and current columns do not match (${[...missingColumns, ...unknownColumns].map((n) => `"${n}"`).join(', ')}); pass the same columns or list the ones to compare in options.columns / options.ignore`,
      issues,
    );
  }
  if (names.length === 0) {
    throw new ValidationError(
      'No columns to compare; the reference is empty or every column is ignored',
      [{ path: ['columns'], message: 'no columns' }],
    );
  }
  const referenceRows = rowCount(ref);
  const predictionColumns = new Set(parsed.predictionColumns ?? []);
  const results: ColumnDriftResult[] = [];
  for (const name of names) {
    const kind = kindOf(ref, name, schema);
    const perColumn = parsed.perColumn?.[name];
    let computed: Computed;
    let test: DriftTestName;
    let referenceCount: number;
    let currentCount: number;
    let referenceMissing: number;
    let currentMissing: number;
    let distribution: ColumnDistribution;
    if (kind === 'numeric') {
      const a = numericSide(ref, name, 'reference');
      const b = numericSide(cur, name, 'current');
      referenceCount = numericCount(a);
      currentCount = numericCount(b);
      requireNonEmpty(referenceCount, name, 'reference');
      requireNonEmpty(currentCount, name, 'current');
      referenceMissing = a.missing;
      currentMissing = b.missing;
      test =
        perColumn?.test ??
        parsed.numericTest ??
        chooseTest(kind, unionDistinct(a, b, 6), referenceCount + referenceMissing);
      computed = runNumeric(test, a, b, name, parsed.bins ?? 30, parsed.ksMethod ?? 'auto');
      distribution = numericDistribution(a, b);
    } else {
      const a = categoricalSide(ref, name, 'reference');
      const b = categoricalSide(cur, name, 'current');
      referenceCount = a.total;
      currentCount = b.total;
      requireNonEmpty(referenceCount, name, 'reference');
      requireNonEmpty(currentCount, name, 'current');
      referenceMissing = a.missing;
      currentMissing = b.missing;
      test =
        perColumn?.test ??
        parsed.categoricalTest ??
        chooseTest(
          kind,
          new Set([...a.counts.keys(), ...b.counts.keys()]).size,
          referenceCount + referenceMissing,
        );
      computed = runCategorical(test, a, b, name);
      distribution = categoricalDistribution(a, b);
    }
    const threshold = perColumn?.threshold ?? parsed.threshold ?? defaultThreshold(test);
    results.push({
      column: name,
      kind,
      role: predictionColumns.has(name) ? 'prediction' : 'feature',
      test,
      statistic: computed.statistic,
      pValue: computed.pValue,
      adjustedPValue: computed.pValue,
      threshold,
      drifted: false,
      referenceCount,
      currentCount,
      referenceMissing,
      currentMissing,
      approximate: computed.approximate,
      errorBound: computed.errorBound,
      distribution,
    });
  }
  const correction = parsed.correction ?? 'none';
  const withP = results.filter((r) => r.pValue !== null);
  const adjusted = adjustPValues(
    withP.map((r) => r.pValue as number),
    correction,
  );
  withP.forEach((r, i) => {
    r.adjustedPValue = adjusted[i] ?? null;
  });
  for (const r of results) {
    r.drifted =
      r.adjustedPValue !== null ? r.adjustedPValue < r.threshold : r.statistic >= r.threshold;
  }
  const driftedColumns = results.filter((r) => r.drifted).length;
  const driftShareThreshold = parsed.driftShare ?? 0.5;
  const share = driftedColumns / results.length;
  return {
    format: 'mlinfra.drift.report',
    version: 1,
    createdAt: new Date().toISOString(),
    datasetDrift: share >= driftShareThreshold,
    driftShare: share,
    driftShareThreshold,
    driftedColumns,
    columnCount: results.length,
    referenceRows,
    currentRows: rowCount(cur),
    correction,
    source: { reference: ref.kind, current: cur.kind },
    columns: results,
  };
}

export type { ColumnAccumulator };
