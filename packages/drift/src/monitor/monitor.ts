import { parseSchema, type TableSchema, ValidationError } from '@mlinfra/core/schema';
import * as z from 'zod/mini';
import { detectDrift } from '../drift/detect-drift.js';
import type { DetectDriftOptions } from '../drift/detect-drift-options.js';
import type { DriftReport } from '../drift/drift-report.js';
import type { ColumnKind, TableInput } from '../input/table-input.js';
import { parseOptions } from '../internal/options.js';
import { describe } from '../internal/sample.js';
import { categoryValue, isMissing, numericValue } from '../internal/table.js';
import {
  CategoricalAccumulator,
  type ColumnAccumulator,
  NumericAccumulator,
} from '../profile/accumulators.js';
import {
  assertProfile,
  type DatasetProfile,
  isDatasetProfile,
  mergeProfiles,
  profile,
  profileFromAccumulators,
} from '../profile/profile.js';
import {
  addPair,
  emptyPerformance,
  LOWER_IS_BETTER,
  mergePerformance,
  type PerformanceState,
  performanceMetrics,
} from './performance.js';

/** Label tracking of a monitor (performance drift). */
export interface PerformanceOptions {
  /** `'classification'` (accuracy, ROC AUC, log loss) or `'regression'` (RMSE, MAE, bias). */
  task: 'classification' | 'regression';
  /** Column of observed rows that identifies a prediction; labels are joined on it. */
  idColumn: string;
  /** Column of observed rows that holds the model output (a probability in [0, 1] or a class). */
  predictionColumn: string;
  /** Label value of the positive class for probabilities. Default: `1`, `true` or `"1"`/`"true"`. */
  positiveLabel?: string | number | boolean;
  /** Predictions kept waiting for their label; the oldest are dropped (counted as `expired`) beyond this. Default 100,000. */
  maxPending?: number;
  /** Metrics of the model on reference data (for example from validation), to flag degradation. */
  baseline?: Record<string, number>;
  /** Relative degradation from the baseline that flags a metric. Default 0.1 (10%). */
  maxDegradation?: number;
}

/** Options of {@link createMonitor}. */
export interface MonitorOptions {
  /** Reference data or its profile (for example the training profile). */
  reference: TableInput | DatasetProfile;
  /** Column types; also decides which columns are numeric or categorical. */
  schema?: TableSchema;
  /** Columns to monitor. Default: every column of the reference (except idColumn). */
  columns?: string[];
  /** A window closes after `size` rows, or once `durationMs` milliseconds have passed since it opened (checked on each observe, and by flush()). */
  window: { size: number } | { durationMs: number };
  /** Called with the drift report of each closed window that holds rows, and the window's snapshot. */
  onReport?: (report: DriftReport, window: WindowSnapshot) => void;
  /** Options passed to detectDrift for each window (tests, thresholds, driftShare...). */
  drift?: Omit<DetectDriftOptions, 'schema' | 'columns'>;
  /** Track model quality with labels that arrive later. */
  performance?: PerformanceOptions;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** Serializable state of one window: merge the windows of several replicas with {@link mergeWindows}. */
export interface WindowSnapshot {
  format: 'mlinfra.drift.window';
  version: 1;
  /** Window number (0-based) of the monitor that produced it. */
  index: number;
  /** Epoch ms of the window's opening and closing (or of the snapshot, for an open window). */
  start: number;
  end: number;
  profile: DatasetProfile;
  performance: PerformanceState | null;
}

/** A streaming drift monitor. */
export interface Monitor {
  /** Adds one row or an array of rows. Memory stays bounded by the number of columns. */
  observe(
    rows: Readonly<Record<string, unknown>> | ReadonlyArray<Readonly<Record<string, unknown>>>,
  ): void;
  /** Joins labels with earlier predictions by id; unknown ids are ignored and counted in the return value. */
  observeLabels(
    labels: { id: unknown; label: unknown } | ReadonlyArray<{ id: unknown; label: unknown }>,
  ): { matched: number; unmatched: number };
  /** Closes the current window now; returns its report, or null when it held no rows. */
  flush(): DriftReport | null;
  /** Serializable copy of the open window (it stays open). */
  snapshot(): WindowSnapshot;
  /** Drift report of any window snapshot, for example one merged from several replicas. */
  report(window: WindowSnapshot): DriftReport;
  /** The reference profile windows are compared with. */
  readonly reference: DatasetProfile;
  /** Predictions waiting for labels. */
  readonly pendingLabels: number;
}

const windowSchema = z.union([
  z.strictObject({ size: z.int().check(z.gte(1)) }),
  z.strictObject({ durationMs: z.number().check(z.gt(0)) }),
]);

const functionSchema = z.custom<(...args: never[]) => unknown>(
  (value) => typeof value === 'function',
  'must be a function',
);

const monitorOptionsSchema = z.strictObject({
  reference: z.unknown(),
  schema: z.optional(z.unknown()),
  columns: z.optional(z.array(z.string())),
  window: windowSchema,
  onReport: z.optional(functionSchema),
  drift: z.optional(z.record(z.string(), z.unknown())),
  performance: z.optional(
    z.strictObject({
      task: z.enum(['classification', 'regression']),
      idColumn: z.string().check(z.minLength(1)),
      predictionColumn: z.string().check(z.minLength(1)),
      positiveLabel: z.optional(z.union([z.string(), z.number(), z.boolean()])),
      maxPending: z.optional(z.int().check(z.gte(1))),
      baseline: z.optional(z.record(z.string(), z.number())),
      maxDegradation: z.optional(z.number().check(z.gte(0))),
    }),
  ),
  now: z.optional(functionSchema),
});

/** Merges two window snapshots (same columns) into one covering both. */
export function mergeWindows(a: WindowSnapshot, b: WindowSnapshot): WindowSnapshot {
  for (const [name, w] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (w?.format !== 'mlinfra.drift.window') {
      throw new ValidationError(
        `${name} is not a window snapshot; take one with monitor.snapshot() or from onReport`,
        [{ path: [name], message: `got ${describe(w)}` }],
      );
    }
  }
  let performance: PerformanceState | null = a.performance ?? b.performance;
  if (a.performance && b.performance) performance = mergePerformance(a.performance, b.performance);
  return {
    format: 'mlinfra.drift.window',
    version: 1,
    index: Math.min(a.index, b.index),
    start: Math.min(a.start, b.start),
    end: Math.max(a.end, b.end),
    profile: mergeProfiles(a.profile, b.profile),
    performance,
  };
}

/**
 * Creates a streaming monitor that compares windows of live rows with a reference: each window
 * keeps one mergeable profile (sketches) per column, so memory depends on the number of columns,
 * not on traffic. When a window closes, `onReport` gets its drift report (see detectDrift; the
 * measures come from sketches and are marked approximate), plus model quality when labels are
 * tracked. Windows serialize (`snapshot()`, the second argument of `onReport`) so the windows of
 * several replicas can be merged with {@link mergeWindows} and evaluated with `report()`.
 *
 * Labels: rows carry an id and a prediction; `observeLabels` joins later labels by id, and the
 * pair counts in the window in which the label arrives.
 */
export function createMonitor(options: MonitorOptions): Monitor {
  const parsed = parseOptions(monitorOptionsSchema, options, 'createMonitor options');
  const schema = parsed.schema === undefined ? undefined : parseSchema(parsed.schema);
  const reference: DatasetProfile = isDatasetProfile(options.reference)
    ? assertProfile(options.reference, 'reference')
    : profile(options.reference as TableInput, schema ? { schema } : {});
  const performanceOptions = options.performance;
  const exclude = new Set(performanceOptions ? [performanceOptions.idColumn] : []);
  const columns = (options.columns ?? Object.keys(reference.columns)).filter(
    (c) => !exclude.has(c),
  );
  for (const name of columns) {
    if (!(name in reference.columns)) {
      throw new ValidationError(
        `Column "${name}" is not in the reference; monitor only columns the reference has`,
        [{ path: ['columns', name], message: 'not in the reference' }],
      );
    }
  }
  const kinds = new Map<string, ColumnKind>(
    columns.map((c) => [c, (reference.columns[c] as { kind: ColumnKind }).kind]),
  );
  const now = options.now ?? Date.now;
  const windowSize = 'size' in options.window ? options.window.size : Infinity;
  const durationMs = 'durationMs' in options.window ? options.window.durationMs : Infinity;
  const maxPending = performanceOptions?.maxPending ?? 100_000;
  const positive = performanceOptions?.positiveLabel;
  const isPositive = (label: unknown): boolean =>
    positive !== undefined
      ? String(label) === String(positive)
      : label === 1 || label === true || label === '1' || label === 'true';

  let index = 0;
  let start = now();
  let rows = 0;
  let accumulators = freshAccumulators();
  let perf: PerformanceState | null = performanceOptions
    ? emptyPerformance(performanceOptions.task)
    : null;
  const pending = new Map<unknown, unknown>();
  const names = [...kinds.keys()];
  const kindList = names.map((n) => kinds.get(n) as ColumnKind);

  function freshAccumulators(): ColumnAccumulator[] {
    return [...kinds.values()].map((kind, i) =>
      kind === 'numeric' ? new NumericAccumulator(0x9e3779b9 + i) : new CategoricalAccumulator(),
    );
  }

  function snapshotNow(end: number): WindowSnapshot {
    const map = new Map<string, ColumnAccumulator>();
    for (let i = 0; i < names.length; i++)
      map.set(names[i] as string, accumulators[i] as ColumnAccumulator);
    return {
      format: 'mlinfra.drift.window',
      version: 1,
      index,
      start,
      end,
      profile: profileFromAccumulators(rows, map),
      performance: perf ? structuredClone(perf) : null,
    };
  }

  function report(window: WindowSnapshot): DriftReport {
    const withData = Object.entries(window.profile.columns)
      .filter(([name, c]) => c.count > 0 && name in reference.columns)
      .map(([name]) => name);
    let driftReport: DriftReport;
    if (withData.length > 0) {
      const predictionColumns = [
        ...(options.drift?.predictionColumns ?? []),
        ...(performanceOptions ? [performanceOptions.predictionColumn] : []),
      ];
      driftReport = detectDrift(reference, window.profile, {
        ...(options.drift ?? {}),
        columns: withData,
        predictionColumns,
      });
    } else {
      driftReport = {
        format: 'mlinfra.drift.report',
        version: 1,
        createdAt: new Date().toISOString(),
        datasetDrift: false,
        driftShare: 0,
        driftShareThreshold: options.drift?.driftShare ?? 0.5,
        driftedColumns: 0,
        columnCount: 0,
        referenceRows: reference.rowCount,
        currentRows: window.profile.rowCount,
        correction: options.drift?.correction ?? 'none',
        source: { reference: 'profile', current: 'profile' },
        columns: [],
      };
    }
    driftReport.window = { start: window.start, end: window.end, index: window.index };
    if (window.performance && performanceOptions) {
      const metrics = performanceMetrics(window.performance);
      const baseline = performanceOptions.baseline;
      const maxDegradation = performanceOptions.maxDegradation ?? 0.1;
      const degraded = baseline
        ? Object.entries(metrics)
            .filter(([k, v]) => {
              const b = baseline[k];
              if (v === null || b === undefined) return false;
              return LOWER_IS_BETTER.has(k)
                ? v > b * (1 + maxDegradation)
                : v < b * (1 - maxDegradation);
            })
            .map(([k]) => k)
        : undefined;
      driftReport.performance = {
        task: performanceOptions.task,
        labeled: window.performance.labeled,
        pending: pending.size,
        expired: window.performance.expired,
        metrics,
        ...(baseline ? { baseline, degraded: degraded ?? [] } : {}),
      };
    }
    return driftReport;
  }

  function closeWindow(end: number): DriftReport | null {
    const snap = snapshotNow(end);
    const hadRows = rows > 0 || (snap.performance?.labeled ?? 0) > 0;
    index++;
    start = end;
    rows = 0;
    accumulators = freshAccumulators();
    perf = performanceOptions ? emptyPerformance(performanceOptions.task) : null;
    if (!hadRows) return null;
    const result = report(snap);
    options.onReport?.(result, snap);
    return result;
  }

  function maybeCloseByTime(): void {
    if (durationMs === Infinity) return;
    const t = now();
    while (t >= start + durationMs) {
      if (rows === 0 && (perf?.labeled ?? 0) === 0 && (perf?.expired ?? 0) === 0) {
        // Skip any run of empty windows in one step (an idle night costs nothing).
        const skipped = Math.floor((t - start) / durationMs);
        start += skipped * durationMs;
        index += skipped;
        break;
      }
      const end = start + durationMs;
      closeWindow(end);
      start = end;
    }
  }

  const numericScratch = new Float64Array(names.length);
  const categoryScratch: (string | null)[] = new Array(names.length).fill(null);
  const missingScratch = new Uint8Array(names.length);

  function observeRow(row: Readonly<Record<string, unknown>>, rowIndex: number): void {
    if (typeof row !== 'object' || row === null) {
      throw new ValidationError(
        `observe() row ${rowIndex} is ${describe(row)}; pass an object of column values`,
        [{ path: ['rows', rowIndex], message: 'expected an object' }],
      );
    }
    // Validate the whole row before touching any accumulator, so a bad row changes nothing.
    for (let i = 0; i < names.length; i++) {
      const v = row[names[i] as string];
      if (isMissing(v)) {
        missingScratch[i] = 1;
        continue;
      }
      missingScratch[i] = 0;
      if (kindList[i] === 'numeric')
        numericScratch[i] = numericValue(v, names[i] as string, 'observed rows', rowIndex);
      else categoryScratch[i] = categoryValue(v, names[i] as string, 'observed rows', rowIndex);
    }
    for (let i = 0; i < names.length; i++) {
      const acc = accumulators[i] as ColumnAccumulator;
      if (missingScratch[i]) acc.missing++;
      else if (kindList[i] === 'numeric')
        (acc as NumericAccumulator).add(numericScratch[i] as number);
      else (acc as CategoricalAccumulator).add(categoryScratch[i] as string);
    }
    rows++;
    if (performanceOptions) {
      const id = row[performanceOptions.idColumn];
      if (!isMissing(id)) {
        pending.delete(id);
        pending.set(id, row[performanceOptions.predictionColumn]);
        if (pending.size > maxPending) {
          const oldest = pending.keys().next().value;
          pending.delete(oldest);
          if (perf) perf.expired++;
        }
      }
    }
    if (rows >= windowSize) closeWindow(now());
  }

  return {
    observe(input) {
      maybeCloseByTime();
      if (Array.isArray(input)) {
        for (let i = 0; i < input.length; i++)
          observeRow(input[i] as Readonly<Record<string, unknown>>, i);
      } else {
        observeRow(input as Readonly<Record<string, unknown>>, 0);
      }
    },
    observeLabels(input) {
      if (!performanceOptions || !perf) {
        throw new ValidationError(
          'observeLabels() needs label tracking; pass options.performance to createMonitor',
          [{ path: ['performance'], message: 'not configured' }],
        );
      }
      maybeCloseByTime();
      const labels = Array.isArray(input) ? input : [input];
      let matched = 0;
      let unmatched = 0;
      for (const entry of labels as ReadonlyArray<{ id: unknown; label: unknown }>) {
        if (!pending.has(entry?.id)) {
          unmatched++;
          continue;
        }
        const prediction = pending.get(entry.id);
        pending.delete(entry.id);
        if (isMissing(entry.label) || isMissing(prediction)) {
          unmatched++;
          continue;
        }
        addPair(perf as PerformanceState, prediction, entry.label, isPositive);
        matched++;
      }
      return { matched, unmatched };
    },
    flush() {
      maybeCloseByTime();
      return closeWindow(now());
    },
    snapshot() {
      return snapshotNow(now());
    },
    report(window) {
      if (window?.format !== 'mlinfra.drift.window') {
        throw new ValidationError(
          'report() needs a window snapshot (from snapshot(), onReport or mergeWindows)',
          [{ path: ['window'], message: `got ${describe(window)}` }],
        );
      }
      return report(window);
    },
    reference,
    get pendingLabels() {
      return pending.size;
    },
  };
}
