// The difference between two versions of a dataset: schema, rows, per-column statistics and drift.
import type { Store, TableSchema } from '@mlinfra/core';
import {
  type DatasetProfile,
  type DetectDriftOptions,
  type DriftReport,
  detectDrift,
} from '@mlinfra/drift';
import type { TableStats } from '../stats/column-stats.js';
import type { Version } from './manifest.js';

/** Per-column difference between two versions. */
export interface ColumnDiff {
  /** Statistics in version `a` (absent when the column is not in it). */
  a?: TableStats[string];
  /** Statistics in version `b`. */
  b?: TableStats[string];
  /** `b.mean - a.mean`, when both are numeric. */
  meanChange?: number;
  /** Change in null fraction, `b - a` (absolute). */
  nullFractionChange?: number;
  /** Categories present in `b` but not in `a` (when both are tracked). */
  categoriesAdded?: string[];
  /** Categories present in `a` but not in `b`. */
  categoriesRemoved?: string[];
}

/** What {@link Datasets.diff} returns. */
export interface VersionDiff {
  a: string;
  b: string;
  /** Schema changes from `a` to `b`. */
  schema: {
    added: string[];
    removed: string[];
    /** Columns whose definition (type, nullability, categories, range) changed. */
    changed: Array<{
      column: string;
      from: TableSchema['columns'][number];
      to: TableSchema['columns'][number];
    }>;
  };
  /** Row counts. */
  rows: { a: number; b: number; change: number };
  /** Per-column statistics, for every column in either version. */
  columns: Record<string, ColumnDiff>;
  /**
   * Drift from `a` to `b` by `@mlinfra/drift`'s `detectDrift` on the versions' stored profiles
   * (columns in both versions), or null when a version has no profile or drift was turned off.
   */
  drift: DriftReport | null;
}

/** Options of {@link Datasets.diff}. */
export interface DiffOptions {
  /** Options of the drift check on the stored profiles, or false to skip it. Default: drift's defaults. */
  drift?: DetectDriftOptions | false;
}

/** Schema, row count and per-column statistics changes from version `from` to `to`. */
export async function diffVersions(
  store: Store,
  from: Version,
  to: Version,
  options: DiffOptions,
): Promise<VersionDiff> {
  const fromColumns = new Map(from.schema.columns.map((column) => [column.name, column]));
  const toColumns = new Map(to.schema.columns.map((column) => [column.name, column]));
  const diff: VersionDiff = {
    a: from.id,
    b: to.id,
    schema: { added: [], removed: [], changed: [] },
    rows: { a: from.rowCount, b: to.rowCount, change: to.rowCount - from.rowCount },
    columns: {},
    drift: null,
  };
  for (const [column, definition] of toColumns) {
    const before = fromColumns.get(column);
    if (before === undefined) diff.schema.added.push(column);
    else if (JSON.stringify(before) !== JSON.stringify(definition))
      diff.schema.changed.push({ column, from: before, to: definition });
  }
  for (const column of fromColumns.keys())
    if (!toColumns.has(column)) diff.schema.removed.push(column);
  for (const column of new Set([...fromColumns.keys(), ...toColumns.keys()])) {
    const statsA = from.stats[column];
    const statsB = to.stats[column];
    const entry: ColumnDiff = {};
    if (statsA !== undefined) entry.a = statsA;
    if (statsB !== undefined) entry.b = statsB;
    if (statsA?.mean !== undefined && statsB?.mean !== undefined)
      entry.meanChange = statsB.mean - statsA.mean;
    if (statsA !== undefined && statsB !== undefined && from.rowCount > 0 && to.rowCount > 0) {
      entry.nullFractionChange = statsB.nulls / to.rowCount - statsA.nulls / from.rowCount;
    }
    if (statsA?.valueCounts !== undefined && statsB?.valueCounts !== undefined) {
      entry.categoriesAdded = Object.keys(statsB.valueCounts).filter(
        (key) => !(key in statsA.valueCounts!),
      );
      entry.categoriesRemoved = Object.keys(statsA.valueCounts).filter(
        (key) => !(key in statsB.valueCounts!),
      );
    }
    diff.columns[column] = entry;
  }
  if (options.drift !== false && from.profile !== null && to.profile !== null) {
    const shared = [...fromColumns.keys()].filter((column) => toColumns.has(column));
    const [profileA, profileB] = await Promise.all([
      store.readJson<DatasetProfile>(from.profile),
      store.readJson<DatasetProfile>(to.profile),
    ]);
    if (shared.length > 0 && profileA.rowCount > 0 && profileB.rowCount > 0) {
      diff.drift = detectDrift(profileA, profileB, { columns: shared, ...(options.drift ?? {}) });
    }
  }
  return diff;
}
